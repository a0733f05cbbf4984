import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LocalEmbedder } from '../../proxy/cache/semantic/local-embedder.ts';
import { SemanticCache } from '../../proxy/cache/semantic/semantic-cache.ts';
import { LOCAL_THRESHOLD } from '../../proxy/cache/semantic/thresholds.ts';
import { dot } from '../../proxy/cache/semantic/vector-index.ts';
import { ensureTinyModel } from '../support/tiny-model.ts';

let embedder: LocalEmbedder;
before(async () => {
  embedder = new LocalEmbedder(await ensureTinyModel(undefined, { embedding: true }), { threads: 1, gpu: false });
});
after(() => embedder.close());

test('the GGUF embedder gives unit vectors of the model size, the same for the same text', async () => {
  assert.throws(() => embedder.dimensions, /not loaded/);
  const texts = ['How do I reverse a list?', 'how to reverse a list', 'word '.repeat(400)];
  const vectors = await embedder.embed(texts);
  assert.equal(embedder.dimensions, 64);
  for (const v of vectors) {
    assert.equal(v.length, 64);
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-4, `norm ${Math.hypot(...v)}`);
  }
  const [again] = await embedder.embed([texts[0]!]);
  assert.ok(dot(again!, 0, vectors[0]!, 0, 64) > 0.9999);
  assert.ok(dot(vectors[0]!, 0, vectors[1]!, 0, 64) < 0.9999, 'different texts, different vectors');
  const [empty] = await embedder.embed(['']);
  assert.equal(empty!.length, 64);
  assert.match(embedder.name, /^gguf:.*\.gguf$/);
});

test('the semantic cache runs on it with the local threshold', async () => {
  const cache = new SemanticCache({ embedder });
  assert.equal(cache.threshold, LOCAL_THRESHOLD);
  await cache.add('ctx', 'How do I reverse a list?', 'e1');
  assert.equal((await cache.lookup('ctx', 'How do I reverse a list?'))?.entryKey, 'e1');
  assert.equal(await cache.lookup('other', 'How do I reverse a list?'), undefined);
});
