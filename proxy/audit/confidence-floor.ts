/**
 * @module The confidence gate's floor, fitted from audits: the lowest confidence of its own answer at which the local
 * model's answers (those at or above it) still hold the quality floor at the lower bound, relative to the cloud's
 * answers to the same requests. With too few audits that carry a confidence it stays unset; when no confidence holds
 * the floor it sits at 1 (every routed local answer would go to the cloud).
 */
import { DEFAULT_MIN_SAMPLES } from './calibration.ts';
import { Z } from './stats.ts';

/** One judged audit whose local answer was scored: its confidence and both tiers' scores (0–1). */
export interface ScoredAnswer {
  confidence: number;
  localScore: number;
  cloudScore: number;
}

export interface ConfidenceFloorFit {
  /** The fitted floor; null (unset) with fewer than `minSamples` scored audits. */
  floor: number | null;
  /** Scored audits the fit saw. */
  samples: number;
  /** Local answers at or above the floor, and the lower bound of their quality relative to the cloud's. */
  kept: number;
  qualityLow: number | null;
}

/** Fits the gate's floor so the local answers it lets through keep `floor` quality at the lower bound. */
export function fitConfidenceFloor(
  answers: readonly ScoredAnswer[],
  floor: number,
  minSamples = DEFAULT_MIN_SAMPLES,
): ConfidenceFloorFit {
  const samples = answers.length;
  if (samples < minSamples) return { floor: null, samples, kept: 0, qualityLow: null };
  // Most confident first: each prefix is what a floor at its last answer's confidence lets through.
  const sorted = [...answers].sort((a, b) => b.confidence - a.confidence);
  let best: ConfidenceFloorFit = { floor: 1, samples, kept: 0, qualityLow: null };
  for (let kept = minSamples; kept <= samples; kept++) {
    const confidence = sorted[kept - 1]!.confidence;
    // Answers tied at this confidence pass or fail the gate together.
    if (kept < samples && sorted[kept]!.confidence === confidence) continue;
    const low = qualityLow(sorted.slice(0, kept));
    if (low !== null && low >= floor)
      best = { floor: confidence, samples, kept, qualityLow: Math.round(low * 10_000) / 10_000 };
  }
  return best;
}

/** Σ local / Σ cloud score, less Z standard errors of that ratio; null when the cloud scored nothing. */
function qualityLow(answers: readonly ScoredAnswer[]): number | null {
  const cloud = answers.reduce((sum, a) => sum + a.cloudScore, 0);
  if (cloud <= 0) return null;
  const ratio = answers.reduce((sum, a) => sum + a.localScore, 0) / cloud;
  const squares = answers.reduce((sum, a) => sum + (a.localScore - ratio * a.cloudScore) ** 2, 0);
  return ratio - (Z * Math.sqrt(squares)) / cloud;
}
