import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MIN_SAMPLES } from '../../proxy/audit/calibration.ts';
import { fitConfidenceFloor, type ScoredAnswer } from '../../proxy/audit/confidence-floor.ts';
import { seededRandom } from '../../proxy/audit/stats.ts';

/** Local answers whose chance of matching the cloud's grows with confidence: right when confidence ≥ 0.6, else a coin. */
function answers(n: number, seed: number): ScoredAnswer[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const confidence = random();
    return { confidence, localScore: confidence >= 0.6 || random() < 0.5 ? 1 : 0, cloudScore: 1 };
  });
}

test('confidence gate floor: the lowest confidence whose answers at or above it hold the floor at the lower bound', () => {
  const data = answers(400, 4);
  const fit = fitConfidenceFloor(data, 0.95);
  assert.equal(fit.samples, 400);
  // Below 0.6 half the answers are wrong: a floor much under it would let too many through.
  assert.ok(fit.floor! > 0.5 && fit.floor! <= 0.62, `floor ${fit.floor}`);
  assert.ok(fit.qualityLow! >= 0.95);
  assert.equal(fit.kept, data.filter((a) => a.confidence >= fit.floor!).length);
  const kept = data.filter((a) => a.confidence >= fit.floor!);
  assert.ok(kept.reduce((s, a) => s + a.localScore, 0) / kept.length >= 0.95);
  // A stricter quality floor needs a higher confidence floor.
  assert.ok(fitConfidenceFloor(data, 0.99).floor! > fit.floor!);
});

test('confidence gate floor: unset with too few scored answers; 1 when no confidence holds the floor', () => {
  assert.deepEqual(fitConfidenceFloor(answers(DEFAULT_MIN_SAMPLES - 1, 2), 0.95), {
    floor: null,
    samples: DEFAULT_MIN_SAMPLES - 1,
    kept: 0,
    qualityLow: null,
  });
  const wrong = Array.from({ length: 60 }, (_, i) => ({ confidence: i / 60, localScore: i % 2, cloudScore: 1 }));
  const fit = fitConfidenceFloor(wrong, 0.95);
  assert.equal(fit.floor, 1);
  assert.equal(fit.qualityLow, null);
  // Where every local answer holds, the floor is the lowest confidence seen: the gate keeps them all.
  const right = wrong.map((a) => ({ ...a, localScore: 1 }));
  assert.equal(fitConfidenceFloor(right, 0.95).floor, 0);
});
