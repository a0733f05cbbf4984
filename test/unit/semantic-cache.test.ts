import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LexicalEmbedder, type Embedder } from '../../proxy/cache/semantic/embedder.ts';
import { SemanticCache } from '../../proxy/cache/semantic/semantic-cache.ts';
import { LEXICAL_THRESHOLD } from '../../proxy/cache/semantic/thresholds.ts';

/** The lexical embedder, counting the texts it embeds. */
function countingEmbedder(): Embedder & { texts: string[] } {
  const inner = new LexicalEmbedder();
  const texts: string[] = [];
  return {
    name: inner.name,
    dimensions: inner.dimensions,
    texts,
    embed: (batch) => (texts.push(...batch), inner.embed(batch)),
  };
}

test('a paraphrase hits under the same context and never under another one', async () => {
  const embedder = countingEmbedder();
  const cache = new SemanticCache({ embedder });
  assert.equal(cache.threshold, LEXICAL_THRESHOLD);
  await cache.add('ctx-A', 'How do I remove paint from a wooden floor?', 'entry-1');
  const hit = await cache.lookup('ctx-A', 'how can I remove paint from wooden floors');
  assert.equal(hit?.entryKey, 'entry-1');
  assert.ok(hit!.similarity >= LEXICAL_THRESHOLD && hit!.similarity <= 1);

  // The very same question under another system prompt, tools or parameters: never a hit.
  assert.equal(await cache.lookup('ctx-B', 'How do I remove paint from a wooden floor?'), undefined);
  await cache.add('ctx-B', 'How do I tile a bathroom floor?', 'entry-2');
  assert.equal(await cache.lookup('ctx-B', 'How do I remove paint from a wooden floor?'), undefined);
  // A context the cache has never seen is answered without embedding anything.
  const embedded = embedder.texts.length;
  assert.equal(await cache.lookup('ctx-C', 'anything'), undefined);
  assert.equal(embedder.texts.length, embedded);
});

test('an unrelated question misses, and the key-term guard refuses a near-identical one with another identifier', async () => {
  const cache = new SemanticCache({ embedder: new LexicalEmbedder() });
  await cache.add('ctx', 'What does the num_rows property of a Dataset return?', 'rows');
  assert.equal(await cache.lookup('ctx', 'How do I install the datasets library?'), undefined);
  assert.equal(await cache.lookup('ctx', 'What does the num_columns property of a Dataset return?'), undefined);
  assert.equal((await cache.lookup('ctx', 'what does the num_rows property of a dataset return'))?.entryKey, 'rows');
});

test('the guard looks past a refused nearest neighbour to the next one', async () => {
  const cache = new SemanticCache({ embedder: new LexicalEmbedder(), threshold: 0.3 });
  await cache.add('ctx', 'How do I sort a list in Python 2?', 'py2');
  await cache.add('ctx', 'How can I sort lists in Python 3?', 'py3');
  assert.equal((await cache.lookup('ctx', 'How do I sort a list in Python 3?'))?.entryKey, 'py3');
});

test('a question is embedded once for a lookup and the add that follows it', async () => {
  const embedder = countingEmbedder();
  const cache = new SemanticCache({ embedder });
  await cache.add('ctx', 'first question about widgets', 'e0');
  assert.equal(await cache.lookup('ctx', 'How do I reverse a list in Python?'), undefined);
  await cache.add('ctx', 'How do I reverse a list in Python?', 'e1');
  assert.deepEqual(embedder.texts, ['first question about widgets', 'How do I reverse a list in Python?']);
});

test('entries are evicted least recently used first, per context and in total; remove forgets', async () => {
  const cache = new SemanticCache({ embedder: new LexicalEmbedder(), maxEntries: 4, maxEntriesPerContext: 2 });
  const topics = ['apples', 'bicycles', 'castles', 'dolphins', 'engines'];
  const ask = (topic: string) => `Tell me about ${topic} in detail`;
  await cache.add('x', ask('apples'), 'x-apples');
  await cache.add('x', ask('bicycles'), 'x-bicycles');
  assert.equal((await cache.lookup('x', ask('apples')))?.entryKey, 'x-apples'); // now the most recently used in x
  await cache.add('x', ask('castles'), 'x-castles'); // x is over 2: bicycles goes
  assert.equal(await cache.lookup('x', ask('bicycles')), undefined);
  assert.equal((await cache.lookup('x', ask('apples')))?.entryKey, 'x-apples');
  for (const topic of topics.slice(2)) await cache.add('y', ask(topic), `y-${topic}`);
  // y keeps its two most recent; in total 4 remain, the oldest overall (x-castles) evicted first.
  assert.equal(cache.size, 4);
  assert.equal(await cache.lookup('y', ask('castles')), undefined);
  assert.equal((await cache.lookup('y', ask('engines')))?.entryKey, 'y-engines');
  assert.ok(cache.remove('y-engines'));
  assert.equal(cache.remove('y-engines'), false);
  assert.equal(await cache.lookup('y', ask('engines')), undefined);
  assert.equal(cache.size, 3);
});

test('re-adding an entry key moves it; over-long questions are not cached', async () => {
  const cache = new SemanticCache({ embedder: new LexicalEmbedder(), maxQuestionChars: 100 });
  await cache.add('a', 'What is the capital of France?', 'k');
  await cache.add('b', 'What is the capital of France?', 'k');
  assert.equal(cache.size, 1);
  assert.equal(await cache.lookup('a', 'What is the capital of France?'), undefined);
  assert.equal((await cache.lookup('b', 'what is the capital of france'))?.entryKey, 'k');
  await cache.add('b', 'x'.repeat(101), 'long');
  assert.equal(cache.size, 1);
});
