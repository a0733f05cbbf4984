/**
 * @module `tokenwise eval router`: quality against cost of the difficulty classifier on routing records (the
 * `routing` format of shared/data/README.md), strong = cloud, weak = local at $0. Cross-validated by default (train
 * on all folds but one, score that one, pool the held-out scores); or scored with a trained weights file.
 *
 * Reports the configured operating point (each fold's threshold is calibrated on its own training folds) and the
 * whole threshold sweep: APGR and CPT(50%/80%) over the share of cloud calls as RouteLLM defines them, and the
 * dollars (`cost_saved_at_95`) and calls (`calls_saved_at_95`) saved at the cheapest point that keeps 95% of the
 * all-cloud quality.
 */
import path from 'node:path';
import {
  DifficultyClassifier,
  loadDifficultyClassifier,
  shippedClassifier,
  type OperatingPoint,
} from '../router/classifier.ts';
import { routingCurve, type RoutedOutcome } from './training/quality-cost-curve.ts';
import { fitDifficulty, DEFAULT_OPERATING_POINT } from './training/difficulty-fit.ts';
import { foldOf } from './training/folds.ts';
import { promptText } from '../router/prompt-terms.ts';
import { chatMessagesOf, loadRoutingRecords, type RoutingRecord } from './training/routing-data.ts';
import { cloudCosts, DEFAULT_OUTPUT_TOKENS } from './call-cost.ts';
import { apgr, cpt, pgr, savedAt } from './route-metrics.ts';

export interface RouterEvalOptions {
  /** JSONL files in the routing format; their records are pooled. */
  data: string[];
  /** Cross-validation folds (default 5). */
  folds?: number;
  /**
   * Score with this weights file (`shipped`: the proxy's own) instead of cross-validating. On the data the weights
   * were trained on, that is in-sample: a check of the file, not a measure of the router.
   */
  weights?: string;
  /** A target share of cloud calls; default: the quality floor. */
  cloudShare?: number;
  /** Quality relative to all-cloud to keep (default 0.95). */
  qualityFloor?: number;
  /** Output tokens of records without `output_chars` (default 1, as MMLU was answered). */
  outputTokens?: number;
  seed?: number;
  /** One JSON line instead of a table. */
  json?: boolean;
  /** Where the report goes; standard output by default. */
  write?: (text: string) => void;
  /** Called as the work advances (done, total), for a progress line. */
  onProgress?: (done: number, total: number) => void;
  /** Where warnings go (an unpriced model); standard error by default. */
  warn?: (line: string) => void;
}

/** The share of the all-cloud quality `cost_saved_at_95` keeps. */
const QUALITY_KEPT = 0.95;

export async function runRouterEval(options: RouterEvalOptions): Promise<Record<string, number>> {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const records = loadRoutingRecords(options.data);
  if (!records.length) throw new Error('no routing records in the data');
  const point: OperatingPoint =
    options.cloudShare !== undefined
      ? { cloudShare: options.cloudShare }
      : options.qualityFloor !== undefined
        ? { qualityFloor: options.qualityFloor }
        : DEFAULT_OPERATING_POINT;
  const folds = options.weights ? 0 : (options.folds ?? 5);
  const { scores, cloud } = options.weights
    ? scoreWith(
        options.weights === 'shipped' ? await shippedClassifier() : loadDifficultyClassifier(options.weights),
        records,
        point,
      )
    : crossValidate(records, folds, options.seed ?? 0, point, options.onProgress);

  const outputTokens = options.outputTokens ?? DEFAULT_OUTPUT_TOKENS;
  const { costs, unpriced } = await cloudCosts(records, outputTokens);
  const outcomes: RoutedOutcome[] = records.map((r, i) => ({
    strong: r.strong.score,
    weak: r.weak.score,
    cost: costs[i]!,
  }));
  const strong = mean(outcomes.map((o) => o.strong));
  const weak = mean(outcomes.map((o) => o.weak));
  const quality = mean(outcomes.map((o, i) => (cloud[i] ? o.strong : o.weak)));
  const allCloudCost = costs.reduce((a, b) => a + b, 0);
  const spent = costs.reduce((sum, c, i) => sum + (cloud[i] ? c : 0), 0);
  const curve = routingCurve(scores, outcomes);

  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  const result: Record<string, number> = {
    records: records.length,
    folds,
    strong_share: round(mean(cloud.map(Number))),
    quality: round(quality),
    quality_strong: round(strong),
    quality_weak: round(weak),
    pgr: round(pgr(quality, strong, weak)),
    cost_saved: round(allCloudCost ? 1 - spent / allCloudCost : 0),
    apgr: round(apgr(curve, strong, weak)),
    cpt50: round(cpt(curve, 0.5, strong, weak)),
    cpt80: round(cpt(curve, 0.8, strong, weak)),
    cost_saved_at_95: round(savedAt(curve, QUALITY_KEPT * strong, 'costShare')),
    calls_saved_at_95: round(savedAt(curve, QUALITY_KEPT * strong, 'cloudShare')),
    ...('cloudShare' in point ? { target_cloud_share: point.cloudShare } : { quality_floor: point.qualityFloor }),
    // 0 when some strong model has no known price: every cost above then counts calls, not dollars.
    priced: unpriced.length ? 0 : 1,
    cost_all_strong_usd: unpriced.length ? NaN : round(allCloudCost),
    cost_usd: unpriced.length ? NaN : round(spent),
    output_tokens_default: outputTokens,
  };
  const warn = options.warn ?? ((line: string) => void process.stderr.write(`${line}\n`));
  if (unpriced.length) warn(`no price known for ${unpriced.join(', ')}: costs count cloud calls instead of dollars`);
  write(options.json ? `${JSON.stringify(result)}\n` : table(result, options));
  return result;
}

interface Scored {
  /** Higher: more worth a cloud call. */
  scores: number[];
  /** The decision at the operating point. */
  cloud: boolean[];
}

function scoreWith(classifier: DifficultyClassifier, records: readonly RoutingRecord[], point: OperatingPoint): Scored {
  const threshold = classifier.threshold(point);
  const scores = records.map((r) => classifier.assess(chatMessagesOf(r)).gain);
  return { scores, cloud: scores.map((s) => s >= threshold) };
}

/** One classifier per fold, each trained on the other folds, and each record's fold (its held-out scorer). */
export function foldClassifiers(
  records: readonly RoutingRecord[],
  folds: number,
  seed: number,
  onProgress?: (done: number, total: number) => void,
): { fold: number[]; classifiers: DifficultyClassifier[] } {
  const fold = records.map((r) => foldOf(promptText(chatMessagesOf(r)), folds, seed));
  const classifiers: DifficultyClassifier[] = [];
  for (let f = 0; f < folds; f++) {
    onProgress?.(f, folds);
    const training = records
      .filter((_, i) => fold[i] !== f)
      .map((r) => ({ messages: chatMessagesOf(r), topic: r.source, strong: r.strong.score, weak: r.weak.score }));
    if (!training.length) throw new Error(`fold ${f} holds every record: use fewer folds or more data`);
    classifiers.push(new DifficultyClassifier(fitDifficulty(training, { seed })));
  }
  return { fold, classifiers };
}

function crossValidate(
  records: readonly RoutingRecord[],
  folds: number,
  seed: number,
  point: OperatingPoint,
  onProgress?: (done: number, total: number) => void,
): Scored {
  const { fold, classifiers } = foldClassifiers(records, folds, seed, onProgress);
  const scores = new Array<number>(records.length);
  const cloud = new Array<boolean>(records.length);
  classifiers.forEach((classifier, f) => {
    const held = records.flatMap((r, i) => (fold[i] === f ? [i] : []));
    if (!held.length) return;
    const scored = scoreWith(
      classifier,
      held.map((i) => records[i]!),
      point,
    );
    held.forEach((i, j) => {
      scores[i] = scored.scores[j]!;
      cloud[i] = scored.cloud[j]!;
    });
  });
  return { scores, cloud };
}

function table(result: Record<string, number>, options: RouterEvalOptions): string {
  const method = options.weights ? `weights ${options.weights}` : `${result.folds}-fold cross-validation`;
  const lines = [
    `${result.records} routing records from ${options.data.map((f) => path.basename(f)).join(', ')}; ${method}`,
  ];
  for (const [key, value] of Object.entries(result))
    if (key !== 'records' && key !== 'folds') lines.push(`${key.padEnd(22)} ${value}`);
  return `${lines.join('\n')}\n`;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
