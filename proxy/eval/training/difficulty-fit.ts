/**
 * @module Training the difficulty classifier from routing records (shared/data/README.md). The target is the score
 * the cloud model adds over the local one (strong − weak): ranking prompts by its expectation is what buys the most
 * quality per cloud call. Training is deterministic: the only choice left to chance, the calibration folds, follows
 * from the seed and each prompt's text.
 */
import type { ChatMessage } from '../../chat.ts';
import {
  DifficultyClassifier,
  type CalibrationPoint,
  type DifficultyTopic,
  type DifficultyWeights,
  type OperatingPoint,
} from '../../router/classifier.ts';
import { routingCurve, atCloudShare } from './quality-cost-curve.ts';
import { foldOf } from './folds.ts';
import { buildVocabulary, promptText, promptWords } from '../../router/prompt-terms.ts';
import { fitRidge, type SparseRow } from './ridge.ts';

export interface TrainingExample {
  messages: ChatMessage[];
  /** The example's label (the data's `source`, e.g. `mmlu/anatomy`): learned as a topic, never needed at inference. */
  topic: string;
  strong: number;
  weak: number;
}

export interface FitOptions {
  seed: number;
  /** Folds whose held-out scores calibrate the operating thresholds (the model never scores its own training). */
  calibrationFolds?: number;
  operatingPoint?: OperatingPoint;
  /** Recorded in the weights, to say what they were trained on. */
  files?: string[];
}

/** A word must appear in this many training prompts to count: a word seen once carries only its prompt's label. */
const MIN_DOCUMENTS = 2;
/** A topic's mean gain is shrunk toward the overall mean as if it had this many more prompts at that mean. */
const TOPIC_PRIOR = 10;
/** Sharp enough that a prompt mostly takes its nearest topic's gain, soft enough to hedge between close topics. */
const TEMPERATURE = 0.02;
/** Ridge penalty of the in-topic correction; chosen on 5-fold cross-validation of MMLU and GSM8K. */
const RIDGE = 5;
/** Centroid words kept per topic: the rest carry little weight and would only grow the shipped file. */
const TOPIC_TERMS = 400;
const CALIBRATION_STEPS = 100;
/**
 * The table describes the classifier trained on all the data by classifiers trained on (k−1)/k of it. With 5 folds
 * those rank prompts worse than the one shipped, most on a small set (GSM8K's 653 records: 0.961 of all-cloud
 * quality at the 0.95 floor, saving 0.336 of the cost where 0.380 was on the curve). 20 folds (95% of the data each)
 * describe the shipped classifier closely enough that the floor lands within noise of 0.95 on both sets (`eval
 * router`: GSM8K 0.959, MMLU 0.949).
 */
const CALIBRATION_FOLDS = 20;

export const DEFAULT_OPERATING_POINT: OperatingPoint = { qualityFloor: 0.95 };

interface Prepared {
  text: string;
  words: string[];
  /** The prompt's length in words. */
  length: number;
  topic: string;
  strong: number;
  weak: number;
}

type Model = Omit<DifficultyWeights, 'format' | 'trainedOn' | 'calibration' | 'operatingPoint'>;

/** Trains on every example, and calibrates the operating thresholds on cross-validated scores. */
export function fitDifficulty(examples: readonly TrainingExample[], options: FitOptions): DifficultyWeights {
  const prepared = examples.map((e): Prepared => {
    const text = promptText(e.messages);
    return { text, ...promptWords(text), topic: e.topic, strong: e.strong, weak: e.weak };
  });
  return {
    format: 'tokenwise-difficulty/1',
    trainedOn: { files: options.files ?? [], records: examples.length, seed: options.seed },
    ...fitModel(prepared),
    calibration: calibrate(prepared, options.calibrationFolds ?? CALIBRATION_FOLDS, options.seed),
    operatingPoint: options.operatingPoint ?? DEFAULT_OPERATING_POINT,
  };
}

function fitModel(examples: readonly Prepared[]): Model {
  const vocabulary = buildVocabulary(
    examples.map((e) => e.words),
    MIN_DOCUMENTS,
  );
  const vectors = examples.map((e) => vocabulary.vector(e.words));
  const gains = examples.map((e) => e.strong - e.weak);
  const meanGain = mean(gains);

  const names = [...new Set(examples.map((e) => e.topic))].sort();
  const topics = names.map((name): DifficultyTopic => {
    const centroid = new Map<number, number>();
    let sum = 0,
      n = 0;
    examples.forEach((e, i) => {
      if (e.topic !== name) return;
      vectors[i]!.index.forEach((term, j) => centroid.set(term, (centroid.get(term) ?? 0) + vectors[i]!.weight[j]!));
      sum += gains[i]!;
      n++;
    });
    const kept = [...centroid].sort(([, a], [, b]) => b - a).slice(0, TOPIC_TERMS);
    const norm = Math.hypot(...kept.map(([, w]) => w)) || 1;
    return {
      name,
      gain: (sum + TOPIC_PRIOR * meanGain) / (n + TOPIC_PRIOR),
      lengthSlope: 0,
      terms: kept.map(([t]) => t),
      weights: kept.map(([, w]) => w / norm),
    };
  });

  const lengths = examples.map((e) => Math.log1p(e.length));
  const lengthMean = mean(lengths);
  const words = vocabulary.words.length;
  const priorOnly = classifierOf({
    words: [...vocabulary.words],
    idf: [...vocabulary.idf],
    wordWeights: new Array(words).fill(0),
    topics,
    temperature: TEMPERATURE,
    lengthMean,
    bias: 0,
  });

  // The correction learns what the topic prior leaves: word weights, and each topic's length slope weighted by
  // how much the topic speaks for the prompt.
  const rows: SparseRow[] = [];
  const residuals = examples.map((_, i) => {
    const mixture = priorOnly.topicMixture(vectors[i]!);
    const length = lengths[i]! - lengthMean;
    const row = { index: [...vectors[i]!.index], value: [...vectors[i]!.weight] };
    let prior = 0;
    topics.forEach((topic, c) => {
      prior += mixture[c]! * topic.gain;
      row.index.push(words + c);
      row.value.push(mixture[c]! * length);
    });
    rows.push(row);
    return gains[i]! - prior;
  });
  const bias = mean(residuals);
  const w = fitRidge(
    rows,
    residuals.map((r) => r - bias),
    words + topics.length,
    { lambda: RIDGE },
  );
  topics.forEach((topic, c) => (topic.lengthSlope = w[words + c]!));
  return {
    words: [...vocabulary.words],
    idf: [...vocabulary.idf],
    wordWeights: [...w.subarray(0, words)],
    topics,
    temperature: TEMPERATURE,
    lengthMean,
    bias,
  };
}

/**
 * Scores every example with a model trained on the other folds, then reads off, for each cloud share, the gain
 * threshold that reaches it and the quality it buys relative to sending everything to the cloud.
 */
function calibrate(examples: readonly Prepared[], folds: number, seed: number): CalibrationPoint[] {
  const fold = examples.map((e) => foldOf(e.text, folds, seed + 1));
  const scores = new Array<number>(examples.length);
  for (let f = 0; f < folds; f++) {
    const held = examples.flatMap((_, i) => (fold[i] === f ? [i] : []));
    if (!held.length) continue;
    const model = classifierOf(fitModel(examples.filter((_, i) => fold[i] !== f)));
    for (const i of held)
      scores[i] = model.assess([{ role: 'user', content: [{ type: 'text', text: examples[i]!.text }] }]).gain;
  }
  const curve = routingCurve(
    scores,
    examples.map((e) => ({ strong: e.strong, weak: e.weak, cost: 1 })),
  );
  const strongQuality = mean(examples.map((e) => e.strong));
  const descending = [...scores].sort((a, b) => b - a);
  return Array.from({ length: CALIBRATION_STEPS + 1 }, (_, k) => {
    const cloudShare = k / CALIBRATION_STEPS;
    const threshold =
      k === 0 || k === CALIBRATION_STEPS ? null : descending[Math.ceil(cloudShare * descending.length) - 1]!;
    return { cloudShare, threshold, quality: atCloudShare(curve, cloudShare, (p) => p.quality) / strongQuality };
  });
}

/** A classifier for scoring during training: no calibration yet. */
function classifierOf(model: Model): DifficultyClassifier {
  return new DifficultyClassifier({
    format: 'tokenwise-difficulty/1',
    trainedOn: { files: [], records: 0, seed: 0 },
    ...model,
    calibration: [],
    operatingPoint: DEFAULT_OPERATING_POINT,
  });
}

function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return values.length ? s / values.length : 0;
}
