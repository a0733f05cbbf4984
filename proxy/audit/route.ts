/**
 * @module The audit's say in routing: the classifier's verdict, re-decided at the calibrated threshold of the
 * prompt's group. Used by the proxy's route policy and by `tokenwise eval audit` alike.
 */
import type { ChatRequest } from '../chat.ts';
import { type ClassifierDecision, promptText, readSignals } from '../router/index.ts';
import { auditBucket, bucketKey, calibrationGroup, type CalibrationGroup } from './buckets.ts';
import type { Calibration } from './calibration.ts';

export interface RouteFacts {
  bucket: string;
  group: CalibrationGroup;
}

/** The bucket and calibration group of a request. */
export function routeFacts(request: ChatRequest): RouteFacts {
  const bucket = auditBucket(readSignals(request), promptText(request.messages));
  return { bucket: bucketKey(bucket), group: calibrationGroup(bucket) };
}

/** The classifier's verdict moved to the calibrated operating point of the request's group. */
export function calibratedVerdict(
  calibration: Calibration,
  request: ChatRequest,
  verdict: ClassifierDecision,
): ClassifierDecision {
  const { group } = routeFacts(request);
  const point = calibration.point(group);
  const target = calibration.allowsLocal(group, verdict.gain) ? 'local' : 'cloud';
  const where = group === 'prior' ? `near ${verdict.topic}` : `${group} prompt`;
  const evidence = point.samples ? `${point.samples} audits` : 'no audits yet';
  const reason =
    point.threshold === -Infinity
      ? `audit: ${where}, ${evidence}: cloud until audits show the local model holds the quality floor`
      : `audit: gain ${verdict.gain.toFixed(3)} ${target === 'cloud' ? '≥' : '<'} ${point.threshold.toFixed(3)} (${where}; ${evidence}, quality ≥ ${point.qualityLow.toFixed(3)})`;
  return { ...verdict, target, threshold: point.threshold, reason };
}
