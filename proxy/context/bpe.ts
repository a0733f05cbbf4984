/**
 * @module Counting BPE tokens with a tiktoken rank table, without building an encoder. js-tiktoken's `Tiktoken` keeps
 * two maps of ~200k entries (bytes joined by commas → rank, rank → bytes) and an intermediate object while it builds
 * them: ~160 MB of RSS for o200k_base, held for the life of the proxy. Counting needs only the first map, keyed here
 * by the piece's bytes as a one-byte-per-char string (~20 MB), and gives the same counts (same merge order, same
 * handling of special-token text as ordinary text as `encode(text, [], [])`).
 */
import type { TiktokenBPE } from 'js-tiktoken/lite';

/** Rank of each token, keyed by its bytes as a latin1 string. */
function rankTable(ranks: TiktokenBPE): Map<string, number> {
  const table = new Map<string, number>();
  for (const line of ranks.bpe_ranks.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const offset = Number.parseInt(fields[1]!, 10);
    for (let i = 2; i < fields.length; i++)
      table.set(Buffer.from(fields[i]!, 'base64').toString('latin1'), offset + i - 2);
  }
  return table;
}

/**
 * Bytes of one piece merged at a time. Pre-tokenizer pieces are unbounded (64 KB of letters is one piece), and BPE
 * merging is quadratic in a piece's length, so a long piece is counted in chunks of this size: linear in the text,
 * and at most one token per chunk boundary off the exact count. Ordinary words are far shorter.
 */
const MAX_CHUNK_BYTES = 128;
/** Chunks of long pieces remembered per counter (a long run of one letter repeats the same chunk). */
const CHUNK_MEMO_LIMIT = 4096;

// Scratch space for mergeChunk: counting is synchronous, so one set serves every call.
const starts = new Int32Array(MAX_CHUNK_BYTES + 1);
const pairRanks = new Float64Array(MAX_CHUNK_BYTES + 1);

/**
 * Tokens of one chunk (bytes as latin1): the lowest-ranked adjacent pair merges first, as tiktoken does. Each
 * pair's rank is kept and only the two pairs next to a merge are looked up again, so a merge costs one scan.
 */
function mergeChunk(bytes: string, table: Map<string, number>): number {
  if (table.has(bytes)) return 1;
  let bounds = bytes.length + 1;
  const rankAt = (i: number) =>
    i + 2 < bounds ? (table.get(bytes.slice(starts[i], starts[i + 2])) ?? Infinity) : Infinity;
  for (let i = 0; i < bounds; i++) starts[i] = i;
  for (let i = 0; i < bounds; i++) pairRanks[i] = rankAt(i);
  while (bounds > 2) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i < bounds - 2; i++) {
      if (pairRanks[i]! < bestRank) {
        bestRank = pairRanks[i]!;
        best = i;
      }
    }
    if (best < 0) break;
    starts.copyWithin(best + 1, best + 2, bounds);
    pairRanks.copyWithin(best + 1, best + 2, bounds);
    bounds--;
    pairRanks[best] = rankAt(best);
    if (best > 0) pairRanks[best - 1] = rankAt(best - 1);
  }
  // Every single byte is a token of a byte-level encoding, so each part left is one token.
  return bounds - 1;
}

/** Tokens of one pre-tokenized piece (bytes as latin1), chunked when it is long. */
function mergeCount(bytes: string, table: Map<string, number>, chunks: Map<string, number>): number {
  if (bytes.length <= MAX_CHUNK_BYTES) return mergeChunk(bytes, table);
  let count = 0;
  for (let at = 0; at < bytes.length; at += MAX_CHUNK_BYTES) {
    const chunk = bytes.slice(at, at + MAX_CHUNK_BYTES);
    let tokens = chunks.get(chunk);
    if (tokens === undefined) {
      tokens = mergeChunk(chunk, table);
      if (chunks.size >= CHUNK_MEMO_LIMIT) chunks.clear();
      chunks.set(chunk, tokens);
    }
    count += tokens;
  }
  return count;
}

/**
 * A function counting the tokens of a text with an encoding's ranks.
 * @example const count = bpeCounter((await import('js-tiktoken/ranks/o200k_base')).default); count('hello world');
 */
export function bpeCounter(ranks: TiktokenBPE): (text: string) => number {
  const table = rankTable(ranks);
  const pieces = new RegExp(ranks.pat_str, 'gu');
  const chunks = new Map<string, number>();
  return function countBpe(text: string): number {
    let tokens = 0;
    for (const match of text.matchAll(pieces))
      tokens += mergeCount(Buffer.from(match[0], 'utf8').toString('latin1'), table, chunks);
    return tokens;
  };
}
