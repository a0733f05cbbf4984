import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LexicalEmbedder } from '../../proxy/cache/semantic/embedder.ts';
import { dot } from '../../proxy/cache/semantic/vector-index.ts';

const cos = (a: Float32Array, b: Float32Array) => dot(a, 0, b, 0, a.length);

test('lexical vectors are unit length, of the configured size, and identical across instances', async () => {
  const texts = [
    'How do I remove a really stuck screw?',
    'What is `num_rows` in 🤗 Datasets?',
    'a',
    'ÉTÉ à Paris — café?',
  ];
  const vectors = await new LexicalEmbedder().embed(texts);
  for (const v of vectors) {
    assert.equal(v.length, 256);
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5, `norm ${Math.hypot(...v)}`);
  }
  assert.deepEqual(await new LexicalEmbedder().embed(texts), vectors);
  const [wide] = await new LexicalEmbedder({ dimensions: 1000 }).embed(texts);
  assert.equal(wide!.length, 1000);
  assert.ok(Math.abs(Math.hypot(...wide!) - 1) < 1e-5);
});

test('a text with no words is the zero vector, so it never clears a threshold', async () => {
  const [v] = await new LexicalEmbedder().embed(['?!  …']);
  assert.ok(v!.every((x) => x === 0));
});

test('case, punctuation, plurals and question frames do not matter; the asked-about words do', async () => {
  const e = new LexicalEmbedder();
  const [a, b, c, d] = await e.embed([
    'How do I remove paint from a wooden floor?',
    'how to REMOVE paint from wooden floors',
    'What is the best way to remove paint from a wooden floor',
    'How do I remove paint from pipes?',
  ]);
  assert.ok(cos(a!, b!) > 0.95, `case/plural ${cos(a!, b!)}`);
  assert.ok(cos(a!, c!) > 0.95, `question frame ${cos(a!, c!)}`);
  assert.ok(cos(a!, d!) < 0.6, `different object ${cos(a!, d!)}`);
});
