import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apgr, cpt, pgr, savedAt } from '../../proxy/eval/route-metrics.ts';
import { routingCurve, type RoutedOutcome } from '../../proxy/eval/training/quality-cost-curve.ts';

// 10 prompts: the strong model alone is right on 2, both on 6, neither on 2. Strong 0.8, weak 0.6.
const outcomes: RoutedOutcome[] = [
  ...Array.from({ length: 2 }, () => ({ strong: 1, weak: 0, cost: 1 })),
  ...Array.from({ length: 6 }, () => ({ strong: 1, weak: 1, cost: 1 })),
  ...Array.from({ length: 2 }, () => ({ strong: 0, weak: 0, cost: 1 })),
];
const oracle = outcomes.map((o) => o.strong - o.weak);
const [STRONG, WEAK] = [0.8, 0.6];
const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);

test('the curve has one point per distinct score, from all-local to all-cloud', () => {
  const curve = routingCurve(oracle, outcomes);
  assert.deepEqual(
    curve.map((p) => [p.threshold, p.cloudShare, p.costShare]),
    [
      [Infinity, 0, 0],
      [1, 0.2, 0.2],
      [0, 1, 1],
    ],
  );
  close(curve[0]!.quality, WEAK);
  close(curve[1]!.quality, STRONG);
  close(curve[2]!.quality, STRONG);
});

test('an oracle router recovers the whole gap with 20% cloud calls', () => {
  const curve = routingCurve(oracle, outcomes);
  // PGR climbs 0 → 1 over shares 0 → 0.2, then stays at 1: area 0.1 + 0.8.
  close(apgr(curve, STRONG, WEAK), 0.9);
  close(cpt(curve, 0.5, STRONG, WEAK), 0.1);
  close(cpt(curve, 0.8, STRONG, WEAK), 0.16);
  // 95% of 0.8 = 0.76 is reached at share 0.16.
  close(savedAt(curve, 0.95 * STRONG, 'cloudShare'), 0.84);
});

test('a router that cannot tell prompts apart is the random router: APGR 0.5, CPT(x) = x', () => {
  const curve = routingCurve(
    outcomes.map(() => 0.3),
    outcomes,
  );
  close(apgr(curve, STRONG, WEAK), 0.5);
  close(cpt(curve, 0.5, STRONG, WEAK), 0.5);
  close(cpt(curve, 0.8, STRONG, WEAK), 0.8);
  close(savedAt(curve, 0.95 * STRONG, 'cloudShare'), 0.2);
});

test('random scores on a large set land near APGR 0.5; a reversed oracle far below', () => {
  let seed = 7;
  const random = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const many = Array.from({ length: 4000 }, () => {
    const strong = random() < 0.8 ? 1 : 0;
    return { strong, weak: strong && random() < 0.75 ? 1 : 0, cost: 1 };
  });
  const s = many.reduce((a, o) => a + o.strong, 0) / many.length,
    w = many.reduce((a, o) => a + o.weak, 0) / many.length;
  const randomApgr = apgr(
    routingCurve(
      many.map(() => random()),
      many,
    ),
    s,
    w,
  );
  assert.ok(Math.abs(randomApgr - 0.5) < 0.05, `random APGR ${randomApgr}`);
  close(
    apgr(
      routingCurve(
        oracle.map((g) => -g),
        outcomes,
      ),
      STRONG,
      WEAK,
    ),
    0.1,
  );
});

test('costs weight the saving: the prompts worth a cloud call are the expensive ones here', () => {
  const priced = outcomes.map((o, i) => ({ ...o, cost: i < 2 ? 3 : 1 }));
  const curve = routingCurve(oracle, priced);
  close(curve[1]!.costShare, 6 / 14);
  close(savedAt(curve, 0.95 * STRONG, 'costShare'), 1 - 0.8 * (6 / 14));
  close(savedAt(curve, 0.95 * STRONG, 'cloudShare'), 0.84);
});

test('edge cases: no gap, an unreachable target, a target the local model already meets', () => {
  assert.ok(Number.isNaN(pgr(0.7, 0.7, 0.7)));
  const curve = routingCurve(oracle, outcomes);
  assert.ok(Number.isNaN(savedAt(curve, 0.9, 'cloudShare')));
  assert.equal(savedAt(curve, 0.5, 'cloudShare'), 1);
  assert.equal(savedAt(curve, STRONG, 'costShare'), 1 - 0.2);
});
