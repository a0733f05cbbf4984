/**
 * @module The quality audit. For a share of the requests the router decided (default 5%), once the caller has the
 * whole answer, the proxy also obtains the other tier's answer in the background and judges whether the local one
 * is as good as the cloud's. Judgements, their cost and the request's route signals go to the ledger; calibration
 * moves the operating point of the request's group for the local model in use (keyed by its GGUF file).
 *
 * Nothing here can delay or change a caller's answer: audits start after the answer ended, their failures are
 * recorded and logged, never thrown, and their cloud calls stay within a daily dollar cap.
 */
import type { ChatChunk, ChatRequest, Usage } from '../chat.ts';
import type { ChatOptions } from '../providers/index.ts';
import {
  type ClassifierDecision,
  type DifficultyClassifier,
  worstCaseCost,
  promptText,
  selectRoute,
  type ModelCatalog,
  type RouteDecision,
  readSignals,
} from '../router/index.ts';
import type { Pricing } from '../usage/index.ts';
import { Calibration, type AuditOutcome } from './calibration.ts';
import { fitConfidenceFloor, type ScoredAnswer } from './confidence-floor.ts';
import { judgeExactly, judgeRequest, readVerdict, type Judgement } from './judge.ts';
import { auditReport, type AuditReport } from './report.ts';
import { calibratedVerdict, routeFacts } from './route.ts';
import { AuditSpendCap } from './spend-cap.ts';
import type { AuditRow, AuditStore } from './store.ts';

export interface QualityAuditOptions {
  /** Share of routed requests audited (0–1). */
  share: number;
  maxUsdPerDay: number;
  /** Quality relative to all-cloud the operating point must keep (lower bound). */
  floor: number;
  store: AuditStore;
  catalog: ModelCatalog;
  pricing: Pricing;
  classifier: DifficultyClassifier;
  /** Draws the sample and the judge's answer order; seeded in tests. */
  random?: () => number;
  now?: () => number;
  log?: (line: string) => void;
}

/** The key of audits made before the local model's file is known (a local tier served by another server). */
export const UNKNOWN_MODEL = 'unknown';

export class QualityAudit {
  private calibration!: Calibration;
  /** The current model's audits that carry the local answer's confidence: what the gate's floor is fitted on. */
  private scored: ScoredAnswer[] = [];
  private gateFloor: number | null = null;
  private key = UNKNOWN_MODEL;
  private readonly cap: AuditSpendCap;
  private readonly running = new Set<Promise<void>>();
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly options: QualityAuditOptions) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.cap = new AuditSpendCap(
      options.maxUsdPerDay,
      options.store.spentSince(startOfDay(this.now())),
      () => new Date(this.now()),
    );
    this.useModel(UNKNOWN_MODEL);
  }

  /**
   * Switches to a local model's calibration and gate floor, rebuilt from its stored audits in one read (a new model
   * starts conservative).
   */
  useModel(key: string): void {
    this.key = key;
    this.calibration = new Calibration(this.options.classifier.weights.calibration, { floor: this.options.floor });
    this.scored = [];
    for (const row of this.options.store.audits(key)) {
      if (!row.verdict) continue;
      const scores = { localScore: row.localScore!, cloudScore: row.cloudScore! };
      this.calibration.add({ gain: row.gain, group: row.group, ...scores });
      if (row.localConfidence !== null) this.scored.push({ confidence: row.localConfidence, ...scores });
    }
    this.refitGate();
  }

  /** The confidence gate's floor fitted from this model's scored audits; undefined (no gate) until enough exist. */
  confidenceFloor(): number | undefined {
    return this.gateFloor ?? undefined;
  }

  get modelKey(): string {
    return this.key;
  }

  /** The route policy's hook: the classifier's verdict at the calibrated operating point. */
  readonly calibrate = (request: ChatRequest, verdict: ClassifierDecision): ClassifierDecision =>
    calibratedVerdict(this.calibration, request, verdict);

  /**
   * Called once a caller has received a complete answer. Draws whether to audit it; the audit itself starts on a
   * later turn of the event loop.
   */
  afterAnswer(request: ChatRequest, decision: RouteDecision, answer: string): void {
    // Only what the router decided can teach the router: not forced tiers, rules, fallbacks or named models.
    if (!/^(audit|classifier):/.test(decision.reason) || this.random() >= this.options.share) return;
    const task = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.audit(request, decision.target, answer))
      .catch((error: unknown) => this.options.log?.(`audit failed: ${(error as Error).message}`))
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  /** Resolves once every audit started so far has ended. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  /** What the audit found for the current local model. */
  report(): AuditReport {
    return auditReport(
      this.key,
      this.options.store.audits(this.key),
      this.options.store.points(this.key),
      startOfDay(this.now()),
      this.options.floor,
    );
  }

  /** One stored audit, by id. */
  find(id: number): AuditRow | undefined {
    return this.options.store.audit(id);
  }

  /** Dollars spent or reserved by audits today. */
  spentToday(): number {
    return this.cap.spentToday();
  }

  private async audit(request: ChatRequest, route: 'local' | 'cloud', answer: string): Promise<void> {
    const { store, classifier } = this.options;
    const { bucket, group } = routeFacts(request);
    const row: Omit<AuditRow, 'id'> = {
      time: this.now(),
      modelKey: this.key,
      bucket,
      group,
      gain: classifier.assess(request.messages).gain,
      route,
      signals: JSON.stringify(readSignals(request)),
      question: promptText(request.messages),
      localAnswer: route === 'local' ? answer : null,
      cloudAnswer: route === 'cloud' ? answer : null,
      localConfidence: null,
      method: null,
      verdict: null,
      localScore: null,
      cloudScore: null,
      costUsd: 0,
      error: null,
    };
    // The same request, answered whole; the caller's own body is not forwarded (it names the caller's model).
    const asked: ChatRequest = { ...request, stream: false };
    let judgement: Judgement | undefined;
    try {
      if (route === 'local') row.cloudAnswer = await this.call(asked, this.cloudRoute(asked), row);
      // The local answer the audit makes itself is scored, so the confidence gate's floor can be fitted.
      else
        row.localAnswer = await this.call(asked, this.localRoute(), row, {
          scoreConfidence: (confidence) => (row.localConfidence = confidence),
        });
      judgement = judgeExactly(row.localAnswer!, row.cloudAnswer!);
      if (!judgement) {
        const localFirst = this.random() < 0.5;
        const judge = this.cloudRoute(asked);
        const reply = await this.call(
          judgeRequest(request, row.localAnswer!, row.cloudAnswer!, localFirst, judge.model),
          judge,
          row,
        );
        judgement = readVerdict(reply, localFirst);
        if (!judgement) row.error = `the judge gave no verdict: ${JSON.stringify(reply.slice(0, 80))}`;
      }
    } catch (error) {
      row.error = (error as Error).message;
    }
    if (judgement)
      Object.assign(row, {
        method: judgement.method,
        verdict: judgement.verdict,
        localScore: judgement.localScore,
        cloudScore: judgement.cloudScore,
      });
    store.add(row);
    if (judgement)
      this.learn({ gain: row.gain, group, localScore: judgement.localScore, cloudScore: judgement.cloudScore });
    if (judgement && row.localConfidence !== null) {
      this.scored.push({
        confidence: row.localConfidence,
        localScore: judgement.localScore,
        cloudScore: judgement.cloudScore,
      });
      this.refitGate();
    }
  }

  /** Adds a judgement to the calibration; a moved (or first) operating point is stored with the time it moved. */
  private learn(outcome: AuditOutcome): void {
    const moved = this.calibration.add(outcome);
    const stored = this.options.store.points(this.key).some((p) => p.group === outcome.group);
    if (moved || !stored)
      this.options.store.savePoint(this.key, {
        group: outcome.group,
        ...this.calibration.point(outcome.group),
        movedAt: moved ? this.now() : 0,
      });
    if (moved) this.options.log?.(`audit: the ${outcome.group} operating point moved for ${this.key}`);
  }

  /** Runs one call to completion, within the day's cap when it costs money; its cost is added to the row. */
  private async call(
    request: ChatRequest,
    route: RouteDecision,
    row: { costUsd: number },
    options?: ChatOptions,
  ): Promise<string> {
    const paid = route.target === 'cloud';
    const reservation = paid
      ? this.cap.reserve(worstCaseCost(request, route.model, route.provider.kind, this.options.pricing))
      : undefined;
    if (paid && !reservation) throw new Error(`the audit's daily cap of $${this.options.maxUsdPerDay} is reached`);
    let usage: Usage | undefined;
    try {
      const { text, usage: used } = await collect(
        route.provider.chat(request, route.model, AbortSignal.timeout(120_000), options),
      );
      usage = used;
      return text;
    } finally {
      const cost = paid && usage ? (this.options.pricing.cost(route.model, route.provider.kind, usage) ?? 0) : 0;
      reservation?.settle(cost);
      row.costUsd += cost;
    }
  }

  private cloudRoute(request: ChatRequest): RouteDecision {
    return selectRoute({ ...request, model: this.options.catalog.defaultCloudModel }, this.options.catalog);
  }

  private localRoute(): RouteDecision {
    const local = this.options.catalog.local;
    if (local?.health().state !== 'ready') throw new Error('the local model is not ready');
    return { target: 'local', provider: local, model: 'local', reason: 'audit' };
  }

  private refitGate(): void {
    this.gateFloor = fitConfidenceFloor(this.scored, this.options.floor).floor;
  }
}

/** An answer's text (tool calls as name and arguments) and its usage. */
async function collect(chunks: AsyncIterable<ChatChunk>): Promise<{ text: string; usage: Usage }> {
  let text = '';
  let usage: Usage = { inputTokens: 0, outputTokens: 0 };
  for await (const chunk of chunks) {
    if (chunk.type === 'text') text += chunk.text;
    else if (chunk.type === 'tool_call') text += `\n[tool ${chunk.name}] `;
    else if (chunk.type === 'tool_arguments') text += chunk.arguments;
    else if (chunk.type === 'done') usage = chunk.usage;
  }
  return { text, usage };
}

function startOfDay(time: number): number {
  const day = new Date(time);
  return new Date(day.getFullYear(), day.getMonth(), day.getDate()).getTime();
}
