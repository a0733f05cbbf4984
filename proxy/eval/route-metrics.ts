/**
 * @module Router quality against cost, as the RouteLLM paper defines it (Ong et al., arXiv 2406.18665): PGR is the
 * share of the strong-over-weak quality gap a router recovers; APGR is the area under PGR against the share of
 * cloud calls; CPT(x) is the smallest share of cloud calls that recovers x of the gap. Shares are 0–1.
 */
import { firstReaching, type CurvePoint } from './training/quality-cost-curve.ts';

/** Performance gap recovered: 0 at the weak model's quality, 1 at the strong model's (NaN when there is no gap). */
export function pgr(quality: number, strong: number, weak: number): number {
  return strong === weak ? NaN : (quality - weak) / (strong - weak);
}

/** Area under PGR over the cloud-call share, by the trapezoid rule over the curve's points. */
export function apgr(curve: readonly CurvePoint[], strong: number, weak: number): number {
  let area = 0;
  for (let i = 1; i < curve.length; i++) {
    const [a, b] = [curve[i - 1]!, curve[i]!];
    area += ((b.cloudShare - a.cloudShare) * (pgr(a.quality, strong, weak) + pgr(b.quality, strong, weak))) / 2;
  }
  return area;
}

/** CPT(x): the smallest cloud-call share at which PGR reaches x (NaN if it never does). */
export function cpt(curve: readonly CurvePoint[], x: number, strong: number, weak: number): number {
  return firstReaching(curve, (p) => pgr(p.quality, strong, weak), x, 'cloudShare') ?? NaN;
}

/**
 * The share of the all-cloud cost (`costShare`) or of the cloud calls (`cloudShare`) saved at the cheapest point
 * whose quality reaches `target` (0 when only all-cloud does; NaN when nothing does).
 */
export function savedAt(curve: readonly CurvePoint[], target: number, axis: 'costShare' | 'cloudShare'): number {
  const spent = firstReaching(curve, (p) => p.quality, target, axis);
  return spent === undefined ? NaN : 1 - spent;
}
