/**
 * @module What the user sees of the audit (`tokenwise audit`, GET /tokenwise/audit, the panel): how many requests
 * were audited, how often the local answer was as good as the cloud's (with its interval), per bucket, what the
 * audit spent, and where each group's operating point sits and when it last moved.
 */
import { usd } from '../../shared/format.ts';
import { table } from '../cli/output.ts';
import { fitConfidenceFloor, type ConfidenceFloorFit } from './confidence-floor.ts';
import type { AuditRow, StoredPoint } from './store.ts';
import { wilson } from './stats.ts';

export interface AsGoodRate {
  judged: number;
  asGood: number;
  /** asGood / judged, and its one-sided 90% Wilson bounds. */
  rate: number | null;
  low: number;
  high: number;
}

export interface AuditReport {
  modelKey: string;
  audited: number;
  judged: number;
  failed: number;
  localAsGood: AsGoodRate;
  buckets: (AsGoodRate & { bucket: string })[];
  spentUsd: number;
  spentTodayUsd: number;
  operatingPoints: {
    group: string;
    threshold: number | 'all local' | 'all cloud';
    qualityLow: number;
    samples: number;
    movedAt: number | null;
  }[];
  /** The confidence gate's floor fitted from the audits whose local answer was scored. */
  confidenceFloor: ConfidenceFloorFit;
  /** The latest audits where the local answer was judged worse (open one with `tokenwise audit show <id>`). */
  disagreements: { id: number; time: number; bucket: string; method: string | null; question: string }[];
}

/** Builds the report from a model's audit rows and stored operating points. */
export function auditReport(
  modelKey: string,
  rows: readonly AuditRow[],
  points: readonly StoredPoint[],
  startOfToday: number,
  floor: number,
): AuditReport {
  const judged = rows.filter((r) => r.verdict);
  const buckets = new Map<string, AuditRow[]>();
  for (const row of judged) buckets.set(row.bucket, [...(buckets.get(row.bucket) ?? []), row]);
  return {
    modelKey,
    audited: rows.length,
    judged: judged.length,
    failed: rows.length - judged.length,
    localAsGood: asGood(judged),
    buckets: [...buckets].map(([bucket, list]) => ({ bucket, ...asGood(list) })).sort((a, b) => b.judged - a.judged),
    spentUsd: rows.reduce((sum, r) => sum + r.costUsd, 0),
    spentTodayUsd: rows.filter((r) => r.time >= startOfToday).reduce((sum, r) => sum + r.costUsd, 0),
    operatingPoints: points.map((p) => ({
      group: p.group,
      threshold:
        p.threshold === Infinity
          ? 'all local'
          : p.threshold === -Infinity
            ? 'all cloud'
            : Math.round(p.threshold * 10_000) / 10_000,
      qualityLow: Math.round(p.qualityLow * 10_000) / 10_000,
      samples: p.samples,
      movedAt: p.movedAt || null,
    })),
    confidenceFloor: fitConfidenceFloor(
      judged
        .filter((r) => r.localConfidence !== null)
        .map((r) => ({ confidence: r.localConfidence!, localScore: r.localScore!, cloudScore: r.cloudScore! })),
      floor,
    ),
    disagreements: judged
      .filter((r) => r.verdict === 'loss')
      .slice(-10)
      .reverse()
      .map((r) => ({ id: r.id, time: r.time, bucket: r.bucket, method: r.method, question: r.question.slice(0, 120) })),
  };
}

function asGood(rows: readonly AuditRow[]): AsGoodRate {
  const good = rows.filter((r) => r.verdict !== 'loss').length;
  const { low, high } = wilson(good, rows.length);
  return { judged: rows.length, asGood: good, rate: rows.length ? good / rows.length : null, low, high };
}

/** The report as a table for the terminal. */
export function formatAuditReport(report: AuditReport): string {
  const percent = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
  const rate = (r: AsGoodRate) => `${percent(r.rate)} (${percent(r.low)}–${percent(r.high)}, ${r.judged} judged)`;
  const points = table(
    ['group', 'threshold', 'quality ≥', 'audits', 'moved'],
    report.operatingPoints.map((p) => [
      p.group,
      String(p.threshold),
      p.qualityLow.toFixed(3),
      String(p.samples),
      p.movedAt ? new Date(p.movedAt).toISOString() : 'not moved yet',
    ]),
    { right: [3] },
  );
  const buckets = table(
    ['bucket', 'as good as the cloud (95% interval, judged)'],
    report.buckets.map((b) => [b.bucket, rate(b)]),
  );
  const lines = [
    `local model ${report.modelKey}: ${report.audited} audited, ${report.judged} judged, ${report.failed} without a verdict`,
    `local answer as good as the cloud's: ${rate(report.localAsGood)}`,
    `audit spend: ${usd(report.spentUsd)} in all, ${usd(report.spentTodayUsd)} today`,
    '',
    'operating point (prompts below the gain go local):',
    points.trimEnd(),
    '',
    `confidence gate floor fitted from ${report.confidenceFloor.samples} scored local answers: ${gateFloor(report.confidenceFloor)}`,
    '',
    buckets.trimEnd(),
  ];
  if (report.disagreements.length)
    lines.push(
      '',
      'latest disagreements (tokenwise audit show <id>):',
      ...report.disagreements.map((d) => `  #${d.id} ${d.bucket}: ${d.question.replace(/\s+/g, ' ')}`),
    );
  return `${lines.join('\n')}\n`;
}

function gateFloor(fit: ConfidenceFloorFit): string {
  if (fit.floor === null) return 'unset (too few yet)';
  if (fit.qualityLow === null)
    return '1 (no confidence holds the quality floor: every routed local answer would go to the cloud)';
  return `${fit.floor.toFixed(3)} (${fit.kept} answers at or above it, quality ≥ ${fit.qualityLow.toFixed(3)})`;
}

/** One audit, both answers side by side (one after the other: terminals are narrow). */
export function formatAudit(row: AuditRow): string {
  return [
    `audit #${row.id} · ${new Date(row.time).toISOString()} · ${row.bucket} · caller got the ${row.route} answer`,
    `verdict: ${row.verdict ? `local ${row.verdict} (${row.method})` : `none: ${row.error}`} · cost ${usd(row.costUsd)}`,
    '',
    '── request ──',
    row.question,
    '',
    '── local answer ──',
    row.localAnswer ?? '(none)',
    '',
    '── cloud answer ──',
    row.cloudAnswer ?? '(none)',
    '',
  ].join('\n');
}
