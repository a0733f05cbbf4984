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
    for (let i = 2; i < fields.length; i++) table.set(Buffer.from(fields[i]!, 'base64').toString('latin1'), offset + i - 2);
  }
  return table;
}

/** Tokens of one pre-tokenized piece (bytes as latin1): the lowest-ranked adjacent pair merges first. */
function mergeCount(bytes: string, table: Map<string, number>): number {
  if (table.has(bytes)) return 1;
  const starts = Array.from({ length: bytes.length + 1 }, (_, i) => i);
  while (starts.length > 2) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i < starts.length - 2; i++) {
      const rank = table.get(bytes.slice(starts[i], starts[i + 2]));
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = i;
      }
    }
    if (best < 0) break;
    starts.splice(best + 1, 1);
  }
  let count = 0;
  for (let i = 0; i < starts.length - 1; i++) if (table.has(bytes.slice(starts[i], starts[i + 1]))) count++;
  return count;
}

/**
 * A function counting the tokens of a text with an encoding's ranks.
 * @example const count = bpeCounter((await import('js-tiktoken/ranks/o200k_base')).default); count('hello world');
 */
export function bpeCounter(ranks: TiktokenBPE): (text: string) => number {
  const table = rankTable(ranks);
  const pieces = new RegExp(ranks.pat_str, 'gu');
  return function countBpe(text: string): number {
    let tokens = 0;
    for (const match of text.matchAll(pieces)) tokens += mergeCount(Buffer.from(match[0], 'utf8').toString('latin1'), table);
    return tokens;
  };
}
