/**
 * @module Calibration: where the classifier's threshold sits for the user's own local model, from audit results.
 *
 * For a threshold t the router sends prompts with gain < t to the local model. Over audited requests (a uniform
 * sample of the traffic) the quality lost against all-cloud is Σ (cloud − local score) over those below t, relative
 * to Σ cloud score. Each group of buckets gets the most local threshold whose *lower* confidence bound of quality
 * stays at or above the floor. The group the classifier was trained for (`prior`) starts from the classifier's own
 * cross-validated calibration table, less any excess loss the audits show; it moves past the table toward local only
 * where its own audits' lower bound, at the 99% it takes to overrule the classifier, holds the floor. Other groups
 * (code, proofs, tools) have no prior and stay in the cloud until `minSamples` audits of their own hold the floor.
 */
import type { CalibrationPoint } from '../router/index.ts';
import type { CalibrationGroup } from './buckets.ts';
import { Z } from './stats.ts';

/** One judged audit, as calibration needs it. */
export interface AuditOutcome {
  gain: number;
  group: CalibrationGroup;
  /** 0–1: how good each tier's answer was judged. */
  localScore: number;
  cloudScore: number;
}

export interface CalibrationOptions {
  /** Quality relative to all-cloud that the lower bound must keep. */
  floor: number;
  /** Audits a group without prior needs before any of it goes local. */
  minSamples?: number;
}

export interface GroupPoint {
  /** Prompts below this gain go local (−Infinity: all cloud; Infinity: all local). */
  threshold: number;
  /** Lower bound of quality at that threshold (1 when all cloud). */
  qualityLow: number;
  /** Point estimate of quality at that threshold. */
  quality: number;
  samples: number;
}

/** One-sided 99%: what it takes to overrule the classifier's own calibration. */
const DETECT_Z = 2.3263;
export const DEFAULT_MIN_SAMPLES = 30;
const GROUPS: readonly CalibrationGroup[] = ['prior', 'code', 'proof', 'tools'];
const ALL_CLOUD: Omit<GroupPoint, 'samples'> = { threshold: -Infinity, qualityLow: 1, quality: 1 };

interface Candidate {
  threshold: number;
  /** The classifier's own estimate of the relative quality lost at this threshold. */
  priorLoss: number;
  /** Share of prompts that go local at this threshold. */
  localShare: number;
}

export class Calibration {
  private readonly candidates: Candidate[];
  private readonly outcomes = new Map<CalibrationGroup, AuditOutcome[]>(GROUPS.map((g) => [g, []]));
  private readonly points = new Map<CalibrationGroup, GroupPoint>();

  constructor(
    prior: readonly CalibrationPoint[],
    private readonly options: CalibrationOptions,
  ) {
    // Most local first: the search stops at the first threshold that holds the floor.
    this.candidates = prior
      .map((p) => ({
        threshold: p.threshold ?? (p.cloudShare === 0 ? Infinity : -Infinity),
        priorLoss: 1 - p.quality,
        localShare: 1 - p.cloudShare,
      }))
      .sort((a, b) => b.threshold - a.threshold);
    for (const group of GROUPS) this.points.set(group, this.fit(group));
  }

  /** Adds a judged audit; returns true when its group's threshold moved. */
  add(outcome: AuditOutcome): boolean {
    this.outcomes.get(outcome.group)!.push(outcome);
    const before = this.points.get(outcome.group)!.threshold;
    const after = this.fit(outcome.group);
    this.points.set(outcome.group, after);
    return after.threshold !== before;
  }

  /** The group's current operating point. */
  point(group: CalibrationGroup): GroupPoint {
    return this.points.get(group)!;
  }

  /** Whether a prompt of this group and gain may go to the local model. */
  allowsLocal(group: CalibrationGroup, gain: number): boolean {
    return gain < this.points.get(group)!.threshold;
  }

  private fit(group: CalibrationGroup): GroupPoint {
    const data = this.outcomes.get(group)!;
    const cloudTotal = data.reduce((sum, o) => sum + o.cloudScore, 0);
    // Quality is relative to the cloud's; with no cloud successes yet, losses count against one audit's worth.
    const cloudMean = data.length && cloudTotal > 0 ? cloudTotal / data.length : 1;
    const excess = group === 'prior' ? this.excessLoss(data, cloudMean) : undefined;
    const minSamples = this.options.minSamples ?? DEFAULT_MIN_SAMPLES;
    const prior = excess ? this.priorPoint(excess, data.length) : undefined;
    // A local model the audits found weaker than the classifier expects earns no move past its table.
    if (prior && excess!.mean > 0) return prior;
    for (const candidate of this.candidates) {
      if (candidate.threshold === -Infinity || (prior && candidate.threshold <= prior.threshold)) break;
      // A threshold needs audits of its own below it: none speak for gains lower than any seen.
      if (data.filter((o) => o.gain < candidate.threshold).length < minSamples) continue;
      // Past the classifier's own point only on the audits' word, at the confidence it takes to overrule it.
      const estimate = this.estimate(data, candidate, cloudMean, prior ? DETECT_Z : Z);
      if (estimate.qualityLow >= this.options.floor)
        return { threshold: candidate.threshold, ...estimate, samples: data.length };
    }
    return prior ?? { ...ALL_CLOUD, samples: data.length };
  }

  /** The most local threshold whose quality, from the classifier's table less the audits' excess loss, holds the floor. */
  private priorPoint(excess: { mean: number; high: number }, samples: number): GroupPoint {
    for (const candidate of this.candidates) {
      if (candidate.threshold === -Infinity) break;
      const estimate = {
        quality: 1 - candidate.priorLoss - excess.mean * candidate.localShare,
        qualityLow: 1 - candidate.priorLoss - excess.high * candidate.localShare,
      };
      if (estimate.qualityLow >= this.options.floor) return { threshold: candidate.threshold, ...estimate, samples };
    }
    return { ...ALL_CLOUD, samples };
  }

  /**
   * How much more quality (relative to the cloud's) the user's local model loses per local answer than the
   * classifier expects: each audit's observed loss (cloud − local score) minus the classifier's expected loss (its
   * gain). The classifier's own table stands while the audits do not show an excess at `DETECT_Z` confidence;
   * while they do, the upper confidence bound of the excess counts. The test is re-run at every audit, with no
   * memory: holding on to a finding (until the mean fell back to zero) kept a false alarm on a faithful model in
   * force for the rest of the stream (GSM8K, seed 2: cost saved 0.185 instead of 0.352) and caught no weak model
   * sooner. Never below 0: a local model better than the training's earns nothing until the classifier is retrained.
   */
  private excessLoss(data: readonly AuditOutcome[], cloudMean: number): { mean: number; high: number } {
    const n = data.length;
    if (n < 2) return { mean: 0, high: 0 };
    const excess = data.map((o) => (o.cloudScore - o.localScore - o.gain) / cloudMean);
    const mean = excess.reduce((a, b) => a + b, 0) / n;
    const error = Math.sqrt(excess.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (n - 1) / n);
    if (mean - DETECT_Z * error <= 0) return { mean: 0, high: 0 };
    return { mean, high: mean + Z * error };
  }

  /** Quality at a threshold from a group's own audits alone: a ratio estimate with its standard error. */
  private estimate(
    data: readonly AuditOutcome[],
    candidate: Candidate,
    cloudMean: number,
    z: number,
  ): { quality: number; qualityLow: number } {
    const n = data.length;
    let lost = 0;
    for (const o of data) if (o.gain < candidate.threshold) lost += o.cloudScore - o.localScore;
    const loss = lost / (cloudMean * n);
    let squares = 0;
    for (const o of data)
      squares +=
        (((o.gain < candidate.threshold ? o.cloudScore - o.localScore : 0) - loss * o.cloudScore) / cloudMean) ** 2;
    return { quality: 1 - loss, qualityLow: 1 - loss - (z * Math.sqrt(squares)) / n };
  }
}
