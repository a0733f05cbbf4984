/**
 * @module `tokenwise eval audit`: the quality audit on routing records, offline. The set streams in a seeded random
 * order through the real route policy (cross-validated classifiers: each record is scored by one that never saw it)
 * with the audit's calibration hook. A share of requests is audited: the judge reports the record's own scores, and
 * calibration moves the operating point. The simulated local answer is the record's weak score, except that with
 * `degrade` F a seeded fraction F of its correct answers are made wrong — a weaker local model than the classifier
 * was trained for.
 *
 * Reports realized quality on the requests that were not audited (relative to all-cloud on the same requests), the
 * cost saved, the audit's spend, and after how many requests the floor held; and the oracle point: the cheapest
 * single threshold on the same scores that holds the floor knowing the degraded local model's true outcomes.
 */
import { Calibration } from '../audit/calibration.ts';
import { calibratedVerdict, routeFacts } from '../audit/route.ts';
import { seededRandom } from '../audit/stats.ts';
import type { ChatRequest } from '../chat.ts';
import { routingCurve } from './training/quality-cost-curve.ts';
import { routeRequest, type RoutePolicy } from '../router/policy.ts';
import { chatMessagesOf, loadRoutingRecords, type RoutingRecord } from './training/routing-data.ts';
import type { ModelCatalog } from '../router/catalog.ts';
import type { Provider } from '../providers/provider.ts';
import { cloudCosts, DEFAULT_OUTPUT_TOKENS } from './call-cost.ts';
import { savedAt } from './route-metrics.ts';
import { foldClassifiers } from './router.ts';

export interface AuditEvalOptions {
  data: string[];
  /** Share of the local model's correct answers made wrong (default 0). */
  degrade?: number;
  /** Share of requests audited (default 0.05). */
  sample?: number;
  /** Quality floor relative to all-cloud (default 0.95). */
  floor?: number;
  /**
   * Requests to stream (default: the set once). Past the set's size it streams again in a fresh seeded order
   * (epochs), so a set shorter than 2,000 records can show where the floor holds after 2,000 requests.
   */
  requests?: number;
  /** Stream orders to run, one report each (default [1]). */
  seeds?: number[];
  folds?: number;
  json?: boolean;
  write?: (text: string) => void;
  /** Called as the work advances (done, total), for a progress line. */
  onProgress?: (done: number, total: number) => void;
}

/** Realized quality is checked from here on: the acceptance's "after at most 2,000 requests". */
const SETTLED_AFTER = 2000;
/** "The floor held" allows one point of quality below it: the estimate's noise on a finite stream. */
const HELD_MARGIN = 0.01;
const CHECK_EVERY = 100;

/** A provider the router can name but the evaluation never calls: the judge reports the record's scores. */
function named(name: string, kind: Provider['kind']): Provider {
  return {
    name,
    kind,
    chat: () => {
      throw new Error('the offline audit evaluation calls no provider');
    },
    health: () => ({ state: 'ready' }),
    models: () => (kind === 'local' ? [] : ['cloud']),
  };
}

export async function runAuditEval(options: AuditEvalOptions): Promise<Record<string, number>[]> {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const records = loadRoutingRecords(options.data);
  if (!records.length) throw new Error('no routing records in the data');
  const degrade = options.degrade ?? 0,
    sample = options.sample ?? 0.05,
    floor = options.floor ?? 0.95;
  const length = options.requests ?? records.length;
  if (!(degrade >= 0 && degrade <= 1) || !(sample >= 0 && sample <= 1) || !(floor > 0 && floor <= 1))
    throw new Error('--degrade and --sample must be 0–1, --floor above 0 and at most 1');
  if (!(Number.isInteger(length) && length > 0)) throw new Error('--requests must be a whole number above 0');
  const { fold, classifiers } = foldClassifiers(records, options.folds ?? 5, 0, options.onProgress);
  const { costs } = await cloudCosts(records, DEFAULT_OUTPUT_TOKENS);
  const catalog: ModelCatalog = {
    local: named('local', 'local'),
    cloud: new Map([['cloud', { provider: named('cloud', 'openai'), configured: true }]]),
    defaultCloudModel: 'cloud',
  };
  const requests: ChatRequest[] = records.map((r) => ({ model: 'auto', messages: chatMessagesOf(r), stream: false }));
  const groups = requests.map((r) => routeFacts(r).group);
  const gains = records.map((r, i) => classifiers[fold[i]!]!.assess(requests[i]!.messages).gain);
  const reports: Record<string, number>[] = [];
  for (const seed of options.seeds ?? [1]) {
    const weak = degraded(records, degrade, seed);
    // Each fold's classifier has its own calibration table; every audit informs all of them.
    const calibrations = classifiers.map((classifier) => new Calibration(classifier.weights.calibration, { floor }));
    const policies = classifiers.map(
      (classifier, f): RoutePolicy => ({
        rules: [],
        classifier,
        allowDowngrade: false,
        calibrate: (request, verdict) => calibratedVerdict(calibrations[f]!, request, verdict),
      }),
    );
    const draw = seededRandom(seed * 7919 + 17);
    const stream = epochs(records.length, length, seededRandom(seed));
    const steps: Step[] = [];
    let auditUsd = 0,
      audited = 0;
    for (const i of stream) {
      const target = routeRequest(requests[i]!, catalog, policies[fold[i]!]!, undefined).target;
      const strong = records[i]!.strong.score;
      const isAudited = draw() < sample;
      steps.push({
        audited: isAudited,
        served: target === 'local' ? weak[i]! : strong,
        strong,
        cost: target === 'cloud' ? costs[i]! : 0,
        local: target === 'local',
      });
      if (!isAudited) continue;
      audited++;
      // The other tier's answer: a cloud call when the caller got the local answer; the local model is free.
      if (target === 'local') auditUsd += costs[i]!;
      for (const calibration of calibrations)
        calibration.add({ gain: gains[i]!, group: groups[i]!, localScore: weak[i]!, cloudScore: strong });
    }
    const allCloud = stream.reduce((sum, i) => sum + costs[i]!, 0);
    const spent = steps.reduce((sum, s) => sum + s.cost, 0);
    const oracle = routingCurve(
      gains,
      records.map((r, i) => ({ strong: r.strong.score, weak: weak[i]!, cost: costs[i]! })),
    );
    const strongMean = records.reduce((sum, r) => sum + r.strong.score, 0) / records.length;
    const round = (x: number) => Math.round(x * 10_000) / 10_000;
    const report = {
      seed,
      records: records.length,
      requests: length,
      // How many times the stream went through the set: past 1, records repeat (each in a fresh order).
      epochs: round(length / records.length),
      degrade,
      sample,
      quality_floor: floor,
      audited,
      local_share: round(steps.filter((s) => s.local).length / steps.length),
      quality: round(realized(steps)),
      // null (NaN) when the set is shorter than that.
      quality_after_2000: steps.length > SETTLED_AFTER ? round(realized(steps.slice(SETTLED_AFTER))) : NaN,
      floor_held_after: heldAfter(steps, floor - HELD_MARGIN),
      cost_saved: round(1 - spent / allCloud),
      cost_saved_net: round(1 - (spent + auditUsd) / allCloud),
      audit_usd: round(auditUsd),
      audit_share_of_cost: round(auditUsd / allCloud),
      oracle_cost_saved: round(savedAt(oracle, floor * strongMean, 'costShare')),
      cost_all_strong_usd: round(allCloud),
    };
    reports.push(report);
    write(
      options.json
        ? `${JSON.stringify(report)}\n`
        : `${Object.entries(report)
            .map(([k, v]) => `${k.padEnd(22)} ${v}`)
            .join('\n')}\n\n`,
    );
  }
  return reports;
}

interface Step {
  audited: boolean;
  /** Score of the answer the caller got. */
  served: number;
  strong: number;
  cost: number;
  local: boolean;
}

/** Quality the callers got on requests that were not audited, relative to all-cloud on the same requests. */
function realized(steps: readonly Step[]): number {
  let served = 0,
    strong = 0;
  for (const s of steps)
    if (!s.audited) {
      served += s.served;
      strong += s.strong;
    }
  return strong ? served / strong : 1;
}

/**
 * The first checkpoint (every 100 requests) from which realized quality over every later stretch of at least
 * `SETTLED_AFTER` requests (or the whole set, when shorter) stays at or above `target`; -1 when it never does.
 */
function heldAfter(steps: readonly Step[], target: number): number {
  let held = -1;
  for (let at = steps.length - Math.min(SETTLED_AFTER, steps.length); at >= 0; at -= CHECK_EVERY) {
    const start = Math.max(0, at - (at % CHECK_EVERY));
    if (realized(steps.slice(start)) < target) break;
    held = start;
  }
  return held;
}

/** The local model's scores: the record's weak score, with a seeded fraction of its correct answers made wrong. */
function degraded(records: readonly RoutingRecord[], fraction: number, seed: number): number[] {
  const draw = seededRandom(seed * 104_729 + 3);
  return records.map((r) => (r.weak.score > 0 && draw() < fraction ? 0 : r.weak.score));
}

/** `length` indices into a set of `n`: whole seeded shuffles of the set one after another, the last one cut short. */
function epochs(n: number, length: number, random: () => number): number[] {
  const order: number[] = [];
  while (order.length < length) order.push(...shuffled(n, random));
  return order.slice(0, length);
}

function shuffled(n: number, random: () => number): number[] {
  const order = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
