/**
 * @module The audit's rows in the ledger file: one per audited request, and each calibration group's operating
 * point per local model. Infinite thresholds (all local, all cloud) are stored as ±1e308.
 */
import type { Database } from '../storage/database.ts';
import type { CalibrationGroup } from './buckets.ts';
import type { GroupPoint } from './calibration.ts';

export interface AuditRow {
  id: number;
  time: number;
  modelKey: string;
  bucket: string;
  group: CalibrationGroup;
  gain: number;
  /** The tier whose answer the caller got. */
  route: 'local' | 'cloud';
  signals: string;
  question: string;
  localAnswer: string | null;
  cloudAnswer: string | null;
  /** The local answer's mean token probability, where the audit made that answer itself. */
  localConfidence: number | null;
  method: string | null;
  verdict: 'win' | 'tie' | 'loss' | null;
  localScore: number | null;
  cloudScore: number | null;
  costUsd: number;
  /** Why the audit has no verdict (a cloud failure, the day's cap). */
  error: string | null;
}

export interface StoredPoint extends GroupPoint {
  group: CalibrationGroup;
  movedAt: number;
}

const COLUMNS = `id, time, model_key AS modelKey, bucket, calibration_group AS "group", gain, route, signals, question, local_answer AS localAnswer,
  cloud_answer AS cloudAnswer, local_confidence AS localConfidence, method, verdict, local_score AS localScore, cloud_score AS cloudScore, cost_usd AS costUsd, error`;

export class AuditStore {
  constructor(private readonly db: Database) {}

  /** Stores an audit; returns its id. */
  add(row: Omit<AuditRow, 'id'>): number {
    const result = this.db.run(
      `INSERT INTO audits (time, model_key, bucket, calibration_group, gain, route, signals, question, local_answer, cloud_answer, local_confidence, method, verdict, local_score, cloud_score, cost_usd, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        row.time,
        row.modelKey,
        row.bucket,
        row.group,
        row.gain,
        row.route,
        row.signals,
        row.question,
        row.localAnswer,
        row.cloudAnswer,
        row.localConfidence,
        row.method,
        row.verdict,
        row.localScore,
        row.cloudScore,
        row.costUsd,
        row.error,
      ],
    );
    return Number(result.lastInsertRowid);
  }

  /** Every audit of a local model, oldest first. */
  audits(modelKey: string): AuditRow[] {
    return this.db.all(`SELECT ${COLUMNS} FROM audits WHERE model_key = ? ORDER BY id`, [
      modelKey,
    ]) as unknown as AuditRow[];
  }

  /** One audit, by id. */
  audit(id: number): AuditRow | undefined {
    return (this.db.get(`SELECT ${COLUMNS} FROM audits WHERE id = ?`, [id]) as unknown as AuditRow | null) ?? undefined;
  }

  /** The local model audited most recently. */
  latestModelKey(): string | undefined {
    return (this.db.get('SELECT model_key AS key FROM audits ORDER BY id DESC LIMIT 1') as { key: string } | null)?.key;
  }

  /** Dollars the audit spent since `since` (ms), for every model. */
  spentSince(since: number): number {
    return (
      this.db.get('SELECT coalesce(sum(cost_usd), 0) AS usd FROM audits WHERE time >= ?', [since]) as { usd: number }
    ).usd;
  }

  /** The stored operating points of a local model. */
  points(modelKey: string): StoredPoint[] {
    const rows = this.db.all(
      'SELECT calibration_group AS "group", threshold, quality_low AS qualityLow, samples, moved_at AS movedAt FROM audit_calibration WHERE model_key = ?',
      [modelKey],
    ) as unknown as (StoredPoint & { threshold: number })[];
    return rows.map((r) => ({ ...r, threshold: fromStored(r.threshold), quality: r.qualityLow }));
  }

  /** Records where a group's operating point now sits. */
  savePoint(modelKey: string, point: StoredPoint): void {
    this.db.run(
      'INSERT OR REPLACE INTO audit_calibration (model_key, calibration_group, threshold, quality_low, samples, moved_at) VALUES (?, ?, ?, ?, ?, ?)',
      [modelKey, point.group, toStored(point.threshold), point.qualityLow, point.samples, point.movedAt],
    );
  }
}

function toStored(threshold: number): number {
  return Number.isFinite(threshold) ? threshold : Math.sign(threshold) * 1e308;
}

function fromStored(threshold: number): number {
  return Math.abs(threshold) >= 1e308 ? Math.sign(threshold) * Infinity : threshold;
}
