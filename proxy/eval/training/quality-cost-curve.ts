/**
 * @module The quality-vs-cost curve of a router that sends a prompt to the cloud when its score reaches a threshold:
 * one point per distinct score, from all-local to all-cloud. Prompts with equal scores move together (no threshold
 * can split them); between two points, a random tie-break reaches the straight line in expectation.
 */

/** How both models did on one prompt, and what its cloud call costs. */
export interface RoutedOutcome {
  strong: number;
  weak: number;
  /** Dollars of the cloud call (1 for every prompt counts calls instead). */
  cost: number;
}

export interface CurvePoint {
  /** Prompts scoring at least this go to the cloud (Infinity: none). */
  threshold: number;
  /** Share of prompts sent to the cloud. */
  cloudShare: number;
  /** Mean score of the chosen answers. */
  quality: number;
  /** Cloud spend as a share of sending every prompt to the cloud. */
  costShare: number;
}

export function routingCurve(scores: readonly number[], outcomes: readonly RoutedOutcome[]): CurvePoint[] {
  const n = outcomes.length;
  const order = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]!);
  let totalCost = 0,
    quality = 0;
  for (const o of outcomes) {
    totalCost += o.cost;
    quality += o.weak;
  }
  const points: CurvePoint[] = [{ threshold: Infinity, cloudShare: 0, quality: quality / n, costShare: 0 }];
  let cost = 0;
  for (let i = 0; i < n; i++) {
    const o = outcomes[order[i]!]!;
    quality += o.strong - o.weak;
    cost += o.cost;
    const score = scores[order[i]!]!;
    if (i + 1 < n && scores[order[i + 1]!] === score) continue;
    points.push({
      threshold: score,
      cloudShare: (i + 1) / n,
      quality: quality / n,
      costShare: totalCost ? cost / totalCost : 0,
    });
  }
  return points;
}

type Axis = 'cloudShare' | 'costShare';

/**
 * The cheapest point on the curve where `value(point)` first reaches `target`, on the given axis (interpolated
 * between points); undefined when no point reaches it.
 */
export function firstReaching(
  curve: readonly CurvePoint[],
  value: (p: CurvePoint) => number,
  target: number,
  axis: Axis,
): number | undefined {
  // The tolerance keeps a target equal to the all-cloud quality reachable despite summation rounding.
  const i = curve.findIndex((p) => value(p) >= target - 1e-12);
  if (i < 0) return undefined;
  if (i === 0) return curve[0]![axis];
  const [a, b] = [curve[i - 1]!, curve[i]!];
  const t = Math.min(1, (target - value(a)) / (value(b) - value(a)));
  return a[axis] + t * (b[axis] - a[axis]);
}

/** The curve's value at a cloud share, interpolated between the neighbouring points. */
export function atCloudShare(curve: readonly CurvePoint[], share: number, value: (p: CurvePoint) => number): number {
  const j = curve.findIndex((p) => p.cloudShare >= share);
  if (j <= 0) return value(curve[Math.max(0, j)]!);
  const [a, b] = [curve[j - 1]!, curve[j]!];
  return value(a) + ((share - a.cloudShare) / (b.cloudShare - a.cloudShare)) * (value(b) - value(a));
}
