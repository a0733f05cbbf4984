/**
 * @module Words, names and BM25 for passage selection. No model: it must work on any machine, on any request.
 */

const STOPWORDS = new Set(
  (
    'a an and are as at be been being but by can could did do does for from had has have he her hers him his how i if in into is it its ' +
    'itself me my no nor not of on or our ours she should so than that the their theirs them then there these they this those to too ' +
    'us was we were what when where which while who whom whose why will with would you your yours also about after before between ' +
    'during over under up down out off again further once only own same other such both each few more most some any all just very ' +
    's t don now am name named one first'
  ).split(' '),
);

/** Folds case and accents so "Alû" and "Alu" meet. */
export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** A crude stem: plural and possessive endings, enough for BM25 to match "rivers" with "river". */
function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is'))
    return word.slice(0, -1);
  return word;
}

/** The content words of a text, folded and stemmed, in order. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const word of fold(text).split(/[^\p{L}\p{N}]+/u)) if (word && !STOPWORDS.has(word)) out.push(stem(word));
  return out;
}

const CONNECTORS = new Set(['of', 'the', 'de', 'la', 'le', 'von', 'van', 'and', 'for', 'del', 'da', 'di', 'du', 'der']);

/**
 * Proper names in a text: runs of capitalized words (inner "of", "the", "de"… allowed; punctuation ends a run), and
 * numbers of 3+ digits. Sentence-initial common words come out too; callers filter them by how the request uses them.
 */
export function names(text: string): string[] {
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    while (run.length && CONNECTORS.has(run.at(-1)!)) run.pop();
    if (run.length) out.push(fold(run.join(' ')));
    run = [];
  };
  for (const [token] of text.matchAll(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu)) {
    if (/^\p{Lu}/u.test(token)) run.push(token);
    else if (run.length && CONNECTORS.has(token)) run.push(token);
    else {
      flush();
      if (/^\p{N}{3,}$/u.test(token)) out.push(token);
    }
  }
  flush();
  return out;
}

/** Okapi BM25 over a small set of documents (the passages of one request: idf comes from them alone). */
export class Bm25 {
  private readonly frequencies: Map<string, number>[];
  private readonly lengths: number[];
  private readonly documentFrequency = new Map<string, number>();
  private readonly averageLength: number;

  constructor(
    documents: string[][],
    private readonly k1 = 1.2,
    private readonly b = 0.75,
  ) {
    this.frequencies = documents.map((words) => {
      const counts = new Map<string, number>();
      for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
      for (const word of counts.keys()) this.documentFrequency.set(word, (this.documentFrequency.get(word) ?? 0) + 1);
      return counts;
    });
    this.lengths = documents.map((words) => words.length);
    this.averageLength = this.lengths.reduce((sum, n) => sum + n, 0) / Math.max(1, documents.length) || 1;
  }

  /** Inverse document frequency, never negative (BM25+ style floor), so common words add a little, never subtract. */
  idf(word: string): number {
    const n = this.frequencies.length;
    const df = this.documentFrequency.get(word) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  score(query: string[], document: number): number {
    const counts = this.frequencies[document]!;
    const norm = this.k1 * (1 - this.b + (this.b * this.lengths[document]!) / this.averageLength);
    let score = 0;
    for (const word of new Set(query)) {
      const tf = counts.get(word);
      if (tf) score += this.idf(word) * ((tf * (this.k1 + 1)) / (tf + norm));
    }
    return score;
  }
}
