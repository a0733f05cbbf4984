// Semantic cache lookup at 10k and 100k questions in one context (the worst case: one busy system prompt), with the
// lexical embedder: end-to-end lookup latency (embed + search + key-term guard), insert cost, memory per entry, and
// how often the sketch index finds the exact nearest neighbour. Questions are synthetic, from a seeded generator:
// 500 topics of 30 made-up words plus 3,000 common ones, so near-duplicates and topic-mates both exist.
import v8 from 'node:v8';
import vm from 'node:vm';
import { LexicalEmbedder } from '../proxy/cache/semantic/embedder.ts';
import { SemanticCache } from '../proxy/cache/semantic/semantic-cache.ts';
import { SketchIndex } from '../proxy/cache/semantic/sketch-index.ts';
import { LEXICAL_THRESHOLD } from '../proxy/cache/semantic/thresholds.ts';
import { percentile } from './support/load.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let seed = 0x5eed;
const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
const SYLLABLES = 'ka lo mi ne ru ta shi po ve da qu zen bar tor lin gex fa mo ri su'.split(' ');
const word = () => Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(SYLLABLES)).join('');
const common = Array.from({ length: 3000 }, word);
const topics = Array.from({ length: 500 }, () => Array.from({ length: 30 }, word));
const FRAMES = ['How do I', 'What is the best way to', 'Why does my', 'Can I', 'How to', 'What is'];
function question(): string {
  const words = Array.from({ length: 3 + Math.floor(random() * 4) }, () => pick(pick(topics)));
  for (let i = Math.floor(random() * 3); i > 0; i--) words.splice(Math.floor(random() * words.length), 0, pick(common));
  return `${pick(FRAMES)} ${words.join(' ')}?`;
}
/** A near-duplicate: one of the last three words replaced. */
function paraphrase(q: string): string {
  const words = q.slice(0, -1).split(' ');
  words[words.length - 1 - Math.floor(random() * 3)] = word();
  return `${words.join(' ')}?`;
}

const embedder = new LexicalEmbedder();
const questions = Array.from({ length: 100_000 }, question);
let started = performance.now();
const vectors = questions.map((q) => embedder.embedOne(q));
const embedUs = ((performance.now() - started) * 1000) / questions.length;

const results: Record<string, string> = { 'embed one question (lexical, 256 dims), µs': embedUs.toFixed(1) };
for (const size of [10_000, 100_000]) {
  const label = `${size / 1000}k`;
  gc();
  const before = process.memoryUsage();
  const cache = new SemanticCache({ embedder, maxEntries: size, maxEntriesPerContext: size });
  started = performance.now();
  for (let i = 0; i < size; i++) await cache.add('context', questions[i]!, `entry-${i}`);
  const insertUs = ((performance.now() - started) * 1000) / size;
  gc();
  const after = process.memoryUsage();
  const bytes = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / size;

  const lookups: number[] = [];
  let hits = 0;
  for (let i = 0; i < 400; i++) {
    const asked = i % 2 ? question() : paraphrase(questions[Math.floor(random() * size)]!);
    const t = performance.now();
    if (await cache.lookup('context', asked)) hits++;
    lookups.push(performance.now() - t);
  }
  cache.clear();

  // The index alone, approximate against exact, on the same vectors.
  const index = new SketchIndex(embedder.dimensions);
  vectors.slice(0, size).forEach((v, i) => index.add(String(i), v));
  const found = { near: 0, fresh: 0 },
    servable = { queries: 0, found: 0 },
    approximateMs: number[] = [],
    exactMs: number[] = [];
  const queries = size > 10_000 ? 100 : 200;
  for (let i = 0; i < queries; i++) {
    const kind = i % 2 ? 'fresh' : 'near';
    const query = embedder.embedOne(kind === 'near' ? paraphrase(questions[Math.floor(random() * size)]!) : question());
    let t = performance.now();
    const [approximate] = index.search(query, 1);
    approximateMs.push(performance.now() - t);
    t = performance.now();
    const [exact] = index.searchExact(query, 1);
    exactMs.push(performance.now() - t);
    if (approximate!.score === exact!.score) found[kind]++;
    if (exact!.score >= LEXICAL_THRESHOLD) {
      servable.queries++;
      if (approximate!.score === exact!.score) servable.found++;
    }
  }

  Object.assign(results, {
    [`${label}: lookup p50, ms`]: percentile(lookups, 50).toFixed(3),
    [`${label}: lookup p99, ms`]: percentile(lookups, 99).toFixed(3),
    [`${label}: hits among 200 near-duplicate + 200 new questions`]: String(hits),
    [`${label}: insert (embed + index), µs`]: insertUs.toFixed(1),
    [`${label}: memory per entry, bytes`]: bytes.toFixed(0),
    [`${label}: index search p50, ms (sketches / exact scan)`]: `${percentile(approximateMs, 50).toFixed(3)} / ${percentile(exactMs, 50).toFixed(3)}`,
    [`${label}: recall@1 vs exact, near-duplicate queries`]: (found.near / (queries / 2)).toFixed(3),
    [`${label}: recall@1 vs exact, new questions`]: (found.fresh / (queries / 2)).toFixed(3),
    [`${label}: recall@1 vs exact, queries whose exact nearest clears the threshold`]: `${(servable.found / servable.queries).toFixed(3)} (${servable.queries} queries)`,
  });
}

console.log(
  JSON.stringify({
    name: 'Semantic cache lookup',
    results,
    notes:
      'One context holding all entries; lookups are end to end (embed, search, key-term guard) for 400 questions, half ' +
      'near-duplicates of stored ones (one word changed), half new. Searches scan 128-bit sketches and re-score the ' +
      'closest 128 exactly from 5,000 entries on. Recall@1 compares that with an exact scan of the same vectors; for new ' +
      'questions the nearest stored one is a weak topic-mate that the cache would not serve anyway. Memory per entry ' +
      'excludes the question text, which the caller owns.',
  }),
);
