/**
 * @module `tokenwise eval cache`: how often the semantic cache would serve a correct answer, and how often a wrong
 * one, on pairs of questions labelled "one answer serves both" or not (the `cache` format of shared/data/README.md).
 * Pairs are scored exactly as the cache judges a candidate: the dot product of the two embeddings, the guard, which
 * refuses a pair whatever its similarity, and (with `--verifier`) the local model's yes/no judgement.
 */
import { isJsonObject, jsonlLines } from './jsonl.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LexicalEmbedder, type Embedder } from '../cache/semantic/embedder.ts';
import { keyTermConflict, questionTerms } from '../cache/semantic/key-terms.ts';
import { LocalEmbedder } from '../cache/semantic/local-embedder.ts';
import { defaultThreshold } from '../cache/semantic/thresholds.ts';
import { dot } from '../cache/semantic/vector-index.ts';
import { verifyPairs, type VerifierFigures } from './cache-verify.ts';

export interface CachePair {
  id: string;
  source: string;
  a: string;
  b: string;
  /** True when a cached answer to `a` is a correct answer to `b`. */
  same: boolean;
}

export interface ScoredPair extends CachePair {
  similarity: number;
  /** Why the guard refuses the pair, if it does: then it is never a hit. */
  conflict?: string;
  /** The verifier's yes-probability, for pairs it judged; NaN when its judgement failed (a miss). */
  yes?: number;
}

export interface PairMetrics {
  threshold: number;
  hits: number;
  falseHits: number;
  /** Of the pairs served as hits, the share that are `same`; 1 when nothing is served (nothing served wrongly). */
  precision: number;
  recall: number;
  f1: number;
  falseHitRate: number;
}

export interface CacheEvalOptions {
  /** JSONL files in the cache pair format; their pairs are pooled. */
  data: string[];
  /** `lexical` (default) or the path of a GGUF embedding model. */
  embedder?: 'lexical' | string;
  /** Defaults to the embedder's calibrated threshold. */
  threshold?: number;
  /** One JSON line instead of a table. */
  json?: boolean;
  /** CPU threads for a GGUF embedder. */
  threads?: number;
  /** Where the report goes; standard output by default. */
  write?: (text: string) => void;
  /** Called as the work advances (done, total), for a progress line. */
  onProgress?: (done: number, total: number) => void;
  /** Judge every candidate hit with this GGUF chat model, as the proxy's verifier does, and time it. */
  verifier?: { model: string; threshold?: number };
  /** Report the lowest threshold that keeps every data set at the target. */
  calibrate?: boolean;
}

/** The precision a threshold must keep for `best_threshold`. */
export const TARGET_PRECISION = 0.99;

export class PairFormatError extends Error {}

/** Parses one file of pairs, rejecting the first record that breaks the format, by file and line. */
export function parsePairs(text: string, file: string): CachePair[] {
  const pairs: CachePair[] = [];
  const ids = new Set<string>();
  for (const { line, value } of jsonlLines(text)) {
    const fail = (reason: string): never => {
      throw new PairFormatError(`${file}:${line}: ${reason}`);
    };
    if (!isJsonObject(value)) return fail('not a JSON object');
    const r = value;
    for (const field of ['id', 'source', 'a', 'b'] as const) {
      if (typeof r[field] !== 'string' || !(r[field] as string).trim()) fail(`"${field}" must be a non-empty string`);
    }
    if (typeof r.same !== 'boolean') fail('"same" must be true or false');
    if (ids.has(r.id as string)) fail(`duplicate id "${r.id}"`);
    ids.add(r.id as string);
    pairs.push({
      id: r.id as string,
      source: r.source as string,
      a: r.a as string,
      b: r.b as string,
      same: r.same as boolean,
    });
  }
  return pairs;
}

export function loadPairs(files: string[]): CachePair[] {
  return files.flatMap((file) => parsePairs(readFileSync(file, 'utf8'), file));
}

const EMBED_BATCH = 64;

/** Embeds every distinct text once, then scores each pair as the cache would. */
export async function scorePairs(
  pairs: CachePair[],
  embedder: Embedder,
  onProgress?: (done: number, total: number) => void,
): Promise<ScoredPair[]> {
  const texts = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const vectors: Awaited<ReturnType<Embedder['embed']>> = [];
  // In batches, so a GGUF embedder's minutes show as progress.
  for (let at = 0; at < texts.length; at += EMBED_BATCH) {
    onProgress?.(at, texts.length);
    vectors.push(...(await embedder.embed(texts.slice(at, at + EMBED_BATCH))));
  }
  const vectorOf = new Map(texts.map((text, i) => [text, vectors[i]!]));
  return pairs.map((pair) => {
    const a = vectorOf.get(pair.a)!,
      b = vectorOf.get(pair.b)!;
    const conflict = keyTermConflict(questionTerms(pair.a), questionTerms(pair.b));
    return { ...pair, similarity: Math.min(1, dot(a, 0, b, 0, a.length)), ...(conflict ? { conflict } : {}) };
  });
}

/** The metrics at `threshold`; a pair the verifier judged counts as a hit only at a yes of `verifierThreshold` or more. */
export function metricsAt(scored: ScoredPair[], threshold: number, verifierThreshold?: number): PairMetrics {
  let hits = 0,
    falseHits = 0,
    positives = 0;
  for (const pair of scored) {
    if (pair.same) positives++;
    const rejected = verifierThreshold !== undefined && pair.yes !== undefined && !(pair.yes >= verifierThreshold);
    if (pair.conflict === undefined && pair.similarity >= threshold && !rejected) {
      hits++;
      if (!pair.same) falseHits++;
    }
  }
  const negatives = scored.length - positives;
  const precision = hits ? (hits - falseHits) / hits : 1;
  const recall = positives ? (hits - falseHits) / positives : 0;
  return {
    threshold,
    hits,
    falseHits,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    falseHitRate: negatives ? falseHits / negatives : 0,
  };
}

/** The lowest threshold, on a 0.001 grid, whose precision reaches `target`: the most hits a safe cache can serve. */
export function lowestSafeThreshold(scored: ScoredPair[], target = TARGET_PRECISION): number {
  for (let step = 0; step <= 1000; step++) if (metricsAt(scored, step / 1000).precision >= target) return step / 1000;
  return 1;
}

export interface CacheEvalResult {
  pairs: number;
  same: number;
  not_same: number;
  threshold: number;
  hits: number;
  false_hits: number;
  precision: number;
  recall: number;
  f1: number;
  false_hit_rate: number;
  guard_refused_same: number;
  guard_refused_not_same: number;
  best_threshold: number;
  recall_at_best_threshold: number;
  /** The same figures for each --data file, and for each `source` (the hard set's edit kinds). */
  sets: Record<string, SetFigures>;
  sources: Record<string, SetFigures>;
  /** With --verifier: what the local model's judgement changes, and what it costs. */
  verifier?: VerifierFigures;
  /** With --calibrate: the lowest threshold keeping every set at the target. */
  calibrated_threshold?: number;
}

export interface SetFigures {
  pairs: number;
  same: number;
  not_same: number;
  hits: number;
  false_hits: number;
  precision: number;
  /** Null for a set with no `same` pairs (the hard set's negative-only edit kinds). */
  recall: number | null;
  false_hit_rate: number;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** The figures of `scored` at `threshold` (and, for judged pairs, the verifier's threshold). */
export function setFigures(scored: ScoredPair[], threshold: number, verifierThreshold?: number): SetFigures {
  const m = metricsAt(scored, threshold, verifierThreshold);
  const same = scored.filter((p) => p.same).length;
  return {
    pairs: scored.length,
    same,
    not_same: scored.length - same,
    hits: m.hits,
    false_hits: m.falseHits,
    precision: round(m.precision),
    recall: same ? round(m.recall) : null,
    false_hit_rate: round(m.falseHitRate),
  };
}

/** The false-hit rate `--calibrate` allows on each set, beside the precision target. */
export const MAX_FALSE_HIT_RATE = 0.005;

/** The lowest threshold, on a 0.001 grid, at which every set keeps the precision target and the false-hit cap. */
export function calibratedThreshold(sets: ScoredPair[][]): number {
  for (let step = 0; step <= 1000; step++) {
    const t = step / 1000;
    if (
      sets.every((set) =>
        ((m) => m.precision >= TARGET_PRECISION && m.falseHitRate <= MAX_FALSE_HIT_RATE)(metricsAt(set, t)),
      )
    )
      return t;
  }
  return 1;
}

/** Scores the pair files and reports the metrics at the threshold and the lowest threshold reaching 0.99 precision. */
export async function runCacheEval(options: CacheEvalOptions): Promise<CacheEvalResult> {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const files = options.data.map((file) => ({ name: path.basename(file), pairs: loadPairs([file]) }));
  const embedder =
    !options.embedder || options.embedder === 'lexical'
      ? new LexicalEmbedder()
      : new LocalEmbedder(options.embedder, { threads: options.threads });
  let scored: ScoredPair[];
  try {
    scored = await scorePairs(
      files.flatMap((file) => file.pairs),
      embedder,
      options.onProgress,
    );
  } finally {
    if (embedder instanceof LocalEmbedder) await embedder.close();
  }
  const bySet = new Map<string, ScoredPair[]>();
  let at = 0;
  for (const file of files) {
    bySet.set(file.name, scored.slice(at, at + file.pairs.length));
    at += file.pairs.length;
  }
  const threshold = options.threshold ?? defaultThreshold(embedder);
  const verifier = options.verifier
    ? await verifyPairs(scored, threshold, { ...options.verifier, threads: options.threads })
    : undefined;
  const m = metricsAt(scored, threshold, verifier?.threshold);
  const best = lowestSafeThreshold(scored);
  const group = (key: (p: ScoredPair) => string) => {
    const groups = new Map<string, ScoredPair[]>();
    for (const pair of scored) groups.set(key(pair), [...(groups.get(key(pair)) ?? []), pair]);
    return groups;
  };
  const figures = (groups: Map<string, ScoredPair[]>) =>
    Object.fromEntries([...groups].map(([name, pairs]) => [name, setFigures(pairs, threshold, verifier?.threshold)]));
  const result: CacheEvalResult = {
    pairs: scored.length,
    same: scored.filter((p) => p.same).length,
    not_same: scored.filter((p) => !p.same).length,
    threshold,
    hits: m.hits,
    false_hits: m.falseHits,
    precision: round(m.precision),
    recall: round(m.recall),
    f1: round(m.f1),
    false_hit_rate: round(m.falseHitRate),
    guard_refused_same: scored.filter((p) => p.same && p.conflict).length,
    guard_refused_not_same: scored.filter((p) => !p.same && p.conflict).length,
    best_threshold: best,
    recall_at_best_threshold: round(metricsAt(scored, best).recall),
    sets: figures(bySet),
    sources: figures(group((p) => p.source)),
    ...(verifier ? { verifier } : {}),
    ...(options.calibrate ? { calibrated_threshold: calibratedThreshold([...bySet.values()]) } : {}),
  };
  write(options.json ? `${JSON.stringify(result)}\n` : table(result, scored, embedder.name, options.data));
  return result;
}

function table(result: CacheEvalResult, scored: ScoredPair[], embedderName: string, files: string[]): string {
  const f = (x: number) => x.toFixed(3);
  const lines = [
    `${result.pairs} pairs (${result.same} same, ${result.not_same} not) from ${files.map((file) => path.basename(file)).join(', ')}; embedder ${embedderName}`,
    `at threshold ${result.threshold}: precision ${f(result.precision)}, recall ${f(result.recall)}, f1 ${f(result.f1)}, false-hit rate ${f(result.false_hit_rate)} (${result.hits} hits, ${result.false_hits} false)`,
    `guard refused ${result.guard_refused_same} same and ${result.guard_refused_not_same} not-same pairs`,
    `lowest threshold with precision >= ${TARGET_PRECISION}: ${result.best_threshold} (recall ${f(result.recall_at_best_threshold)})`,
    '',
    'set / source  pairs  precision  recall  false-hit rate',
    ...Object.entries({ ...result.sets, ...result.sources }).map(
      ([name, s]) =>
        `${name}  ${s.pairs}  ${f(s.precision)}  ${s.recall === null ? '-' : f(s.recall)}  ${f(s.false_hit_rate)}`,
    ),
  ];
  if (result.verifier) {
    const v = result.verifier;
    lines.push(
      '',
      `verifier ${v.model} at yes >= ${v.threshold}: ${v.judged} judged, ${v.rejected} rejected; latency p50 ${v.p50_ms} ms, p95 ${v.p95_ms} ms; ${v.tokens_per_judgement} tokens a judgement`,
    );
  }
  if (result.calibrated_threshold !== undefined)
    lines.push(
      '',
      `calibrated threshold (every set at precision >= ${TARGET_PRECISION} and false-hit rate <= ${MAX_FALSE_HIT_RATE}): ${result.calibrated_threshold}`,
    );
  lines.push('', 'threshold  precision  recall  false-hit rate  hits');
  for (let t = 0.4; t < 0.951; t += 0.05) {
    const m = metricsAt(scored, t);
    lines.push(
      `${t.toFixed(2).padStart(9)}  ${f(m.precision).padStart(9)}  ${f(m.recall).padStart(6)}  ${f(m.falseHitRate).padStart(14)}  ${String(m.hits).padStart(4)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
