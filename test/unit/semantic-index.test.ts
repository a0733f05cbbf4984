import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalize } from '../../proxy/cache/semantic/embedder.ts';
import { SketchIndex } from '../../proxy/cache/semantic/sketch-index.ts';
import { dot, ExactIndex } from '../../proxy/cache/semantic/vector-index.ts';

function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
}
const unit = (values: number[]) => normalize(Float32Array.from(values));

test('exact search returns the k most similar vectors, best first, and forgets removed ones', () => {
  const r = random(1);
  const vectors = Array.from({ length: 300 }, () => unit(Array.from({ length: 32 }, r)));
  const index = new ExactIndex(32);
  vectors.forEach((v, i) => index.add(`v${i}`, v));
  // Removing moves the last slot into the hole: the moved vector must stay findable under its own id.
  for (let i = 0; i < 300; i += 3) assert.ok(index.remove(`v${i}`));
  assert.equal(index.remove('v0'), false);
  assert.equal(index.size, 200);
  for (let q = 0; q < 20; q++) {
    const query = unit(Array.from({ length: 32 }, r));
    const expected = vectors
      .map((v, i) => ({ id: `v${i}`, score: dot(query, 0, v, 0, 32) }))
      .filter((_, i) => i % 3 !== 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, 5);
    const got = index.search(query, 5);
    assert.deepEqual(
      got.map((h) => h.id),
      expected.map((h) => h.id),
    );
    got.forEach((h, i) => assert.ok(Math.abs(h.score - expected[i]!.score) < 1e-6));
  }
  const self = index.search(vectors[1]!, 1)[0]!;
  assert.equal(self.id, 'v1');
  assert.ok(Math.abs(self.score - 1) < 1e-6);
});

test('adding an id again replaces its vector', () => {
  const index = new ExactIndex(2);
  index.add('a', unit([1, 0]));
  index.add('a', unit([0, 1]));
  assert.equal(index.size, 1);
  assert.deepEqual(
    index.search(unit([0, 1]), 3).map((h) => h.id),
    ['a'],
  );
  assert.throws(() => index.add('b', unit([1, 0, 0])), /2 dimensions/);
});

test('the sketch index finds the exact nearest neighbour of near-duplicates on a clustered set, and stays exact while small', () => {
  const r = random(7);
  const d = 64;
  const centres = Array.from({ length: 40 }, () => unit(Array.from({ length: d }, r)));
  const around = (c: Float32Array, spread: number) => unit(Array.from(c, (x) => x + spread * r()));
  const points = Array.from({ length: 4000 }, (_, i) => around(centres[i % 40]!, 0.15));
  const index = new SketchIndex(d, { approximateFrom: 1000 });
  points.slice(0, 900).forEach((p, i) => index.add(`p${i}`, p));
  assert.equal(index.approximate, false);
  const early = around(points[5]!, 0.05);
  assert.deepEqual(index.search(early, 3), index.searchExact(early, 3));

  points.slice(900).forEach((p, i) => index.add(`p${i + 900}`, p));
  for (let i = 0; i < 4000; i += 4) index.remove(`p${i}`);
  assert.equal(index.approximate, true);
  let found = 0;
  const trials = 200;
  for (let q = 0; q < trials; q++) {
    // Near-duplicates of kept points (index 1 mod 4): the cache's case, a paraphrase of a stored question.
    const query = around(points[(q * 20 + 1) % 4000]!, 0.05);
    const [approximate] = index.search(query, 1),
      [exact] = index.searchExact(query, 1);
    assert.notEqual(Number(approximate!.id.slice(1)) % 4, 0, 'a removed vector came back');
    if (approximate!.id === exact!.id) found++;
  }
  assert.ok(found / trials >= 0.95, `recall@1 ${found / trials}`);
});
