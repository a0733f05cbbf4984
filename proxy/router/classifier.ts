/**
 * @module The learned difficulty classifier: how much answer quality the cloud model is expected to add over the
 * local one for a prompt. Two parts, both read from a small JSON file trained by `npm run train:router`:
 *
 * - topic priors: the prompt's TF-IDF similarity to each training topic (a softmax over cosines) mixes the topics'
 *   mean gains. On MMLU the topic carries most of what a prompt-only router can know (shared/data/README.md).
 * - a ridge correction inside the topic: word weights, plus a per-topic slope on prompt length (long GSM8K
 *   problems are the ones the local model fails).
 *
 * The router sees only the conversation's last user message. Deciding costs one pass over its words: no network,
 * no model.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChatMessage } from '../chat.ts';
import { promptText, promptWords, Vocabulary, type TermVector } from './prompt-terms.ts';

/** Where the router runs: a share of prompts sent to the cloud, or a floor on quality relative to cloud-only. */
export type OperatingPoint = { cloudShare: number } | { qualityFloor: number };

/** A calibration point: sending the prompts with gain ≥ threshold to the cloud reached this share and quality. */
export interface CalibrationPoint {
  cloudShare: number;
  /** null at the ends: share 0 sends nothing to the cloud, share 1 sends everything. */
  threshold: number | null;
  /** Quality relative to sending every prompt to the cloud. */
  quality: number;
}

export interface DifficultyTopic {
  name: string;
  /** Mean (cloud score − local score) of the topic's training prompts, shrunk toward the overall mean. */
  gain: number;
  /** Change in gain per unit of ln(1 + words) away from `lengthMean`. */
  lengthSlope: number;
  /** The topic's centroid: vocabulary indices and L2-normalised weights. */
  terms: number[];
  weights: number[];
}

export interface DifficultyWeights {
  format: 'tokenwise-difficulty/1';
  trainedOn: { files: string[]; records: number; seed: number };
  words: string[];
  idf: number[];
  wordWeights: number[];
  topics: DifficultyTopic[];
  /** Softmax temperature over topic cosines. */
  temperature: number;
  lengthMean: number;
  bias: number;
  /** Cross-validated on the training data, from all-local (share 0) to all-cloud (share 1) in steps of 0.01. */
  calibration: CalibrationPoint[];
  operatingPoint: OperatingPoint;
}

export interface DifficultyAssessment {
  /** Expected score the cloud model adds over the local one: higher means send it to the cloud. */
  gain: number;
  /** The training topic the prompt is closest to. */
  topic: string;
}

export interface ClassifierDecision extends DifficultyAssessment {
  target: 'local' | 'cloud';
  threshold: number;
  /** For `x-tokenwise-reason`. */
  reason: string;
}

/** Where `npm run train:router` writes the weights the proxy ships (in the source tree). */
export const SHIPPED_WEIGHTS = path.join(import.meta.dirname, 'difficulty-weights.json');

export class DifficultyClassifier {
  private readonly vocabulary: Vocabulary;
  /** Topic centroid weights, word-major: [word * topics + topic]. */
  private readonly topicWeights: Float32Array;

  constructor(readonly weights: DifficultyWeights) {
    this.vocabulary = new Vocabulary(weights.words, weights.idf);
    const k = weights.topics.length;
    this.topicWeights = new Float32Array(weights.words.length * k);
    weights.topics.forEach((topic, c) =>
      topic.terms.forEach((term, i) => (this.topicWeights[term * k + c] = topic.weights[i]!)),
    );
  }

  assess(messages: readonly ChatMessage[]): DifficultyAssessment {
    const { words, length: wordCount } = promptWords(promptText(messages));
    const vector = this.vocabulary.vector(words);
    const mixture = this.topicMixture(vector);
    const length = Math.log1p(wordCount) - this.weights.lengthMean;
    let gain = this.weights.bias,
      best = 0;
    for (let i = 0; i < vector.index.length; i++)
      gain += vector.weight[i]! * this.weights.wordWeights[vector.index[i]!]!;
    this.weights.topics.forEach((topic, c) => {
      gain += mixture[c]! * (topic.gain + topic.lengthSlope * length);
      if (mixture[c]! > mixture[best]!) best = c;
    });
    return { gain, topic: this.weights.topics[best]!.name };
  }

  /** How much each topic speaks for a prompt: a softmax over its cosines to the topic centroids. */
  topicMixture(vector: TermVector): Float64Array {
    const k = this.weights.topics.length;
    const shares = new Float64Array(k);
    for (let i = 0; i < vector.index.length; i++) {
      const row = vector.index[i]! * k,
        weight = vector.weight[i]!;
      for (let c = 0; c < k; c++) shares[c]! += weight * this.topicWeights[row + c]!;
    }
    let max = -Infinity,
      total = 0;
    for (const cosine of shares) max = Math.max(max, cosine);
    for (let c = 0; c < k; c++) total += shares[c] = Math.exp((shares[c]! - max) / this.weights.temperature);
    for (let c = 0; c < k; c++) shares[c]! /= total;
    return shares;
  }

  /** The gain from which a prompt goes to the cloud at an operating point (Infinity: never; −Infinity: always). */
  threshold(point: OperatingPoint = this.weights.operatingPoint): number {
    const table = this.weights.calibration;
    if ('qualityFloor' in point) {
      const reached = table.find((p) => p.quality >= point.qualityFloor) ?? table.at(-1)!;
      return thresholdOf(reached);
    }
    const share = Math.min(1, Math.max(0, point.cloudShare));
    const i = Math.min(table.length - 2, Math.floor(share * (table.length - 1)));
    const [a, b] = [table[i]!, table[i + 1]!];
    if (a.threshold === null || b.threshold === null)
      return share - a.cloudShare < b.cloudShare - share ? thresholdOf(a) : thresholdOf(b);
    return a.threshold + ((share - a.cloudShare) / (b.cloudShare - a.cloudShare)) * (b.threshold - a.threshold);
  }

  decide(messages: readonly ChatMessage[], point?: OperatingPoint): ClassifierDecision {
    const assessment = this.assess(messages);
    const threshold = this.threshold(point);
    const target = assessment.gain >= threshold ? 'cloud' : 'local';
    const relation = target === 'cloud' ? '≥' : '<';
    return {
      ...assessment,
      target,
      threshold,
      reason: `classifier: gain ${assessment.gain.toFixed(3)} ${relation} ${threshold.toFixed(3)} (near ${assessment.topic})`,
    };
  }
}

function thresholdOf(point: CalibrationPoint): number {
  if (point.threshold !== null) return point.threshold;
  return point.cloudShare === 0 ? Infinity : -Infinity;
}

/**
 * The shipped weights as a module import, so the bundled proxy carries them: the file path above exists only in the
 * source tree, not beside a bundle's chunks.
 */
export async function shippedClassifier(): Promise<DifficultyClassifier> {
  const weights = (await import('./difficulty-weights.json', { with: { type: 'json' } })).default;
  return new DifficultyClassifier(weights as unknown as DifficultyWeights);
}

/** Reads a weights file. */
export function loadDifficultyClassifier(file: string): DifficultyClassifier {
  const weights = JSON.parse(readFileSync(file, 'utf8')) as DifficultyWeights;
  if (weights.format !== 'tokenwise-difficulty/1') throw new Error(`${file}: not a tokenwise difficulty weights file`);
  return new DifficultyClassifier(weights);
}
