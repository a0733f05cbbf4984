/**
 * @module How much each retrieved passage matters to a question, from 0 to 1 (1 = the best passage). BM25 finds the
 * first hop; the bridge finds the next ones: a passage that shares a rare name with a relevant passage inherits a
 * decayed share of its relevance, so "the river of the city Kevin Durant played for" reaches the Oklahoma City
 * passage through the Kevin Durant one, although it shares no word with the question.
 */
import { Bm25, fold, names, terms } from './lexical.ts';

/** Embeds texts with a model (one vector per text). */
export type Embed = (texts: string[]) => Promise<number[][]>;

export interface RelevanceOptions {
  /** Bridge steps followed from the BM25 passages (0: plain BM25). */
  hops: number;
  /** Share of a passage's relevance a neighbour through one rare name inherits. */
  hopDecay: number;
  embed?: Embed;
}

export interface PassageText {
  title?: string;
  text: string;
}

/**
 * A passage mentioning another's title is the hyperlink a multi-hop question follows; two passages that merely
 * mention the same third name are a weaker tie.
 */
const CO_MENTION = 0.75;

/**
 * A link's direction matters: the passage that mentions another's title points at the next hop ("…played for the
 * Oklahoma City Thunder" → "Oklahoma City"); the passages that mention a relevant passage's title are mostly lists
 * and spin-offs of it ("List of Metallica concert tours"), so relevance flows back along a title link at half
 * strength.
 */
const REVERSE = 0.5;

/**
 * BM25's term-frequency saturation. Above the usual 1.2: passages here are single encyclopedia paragraphs, and one
 * that repeats a question's term is about it, not merely mentioning it.
 */
const K1 = 2;

const words = (text: string) =>
  fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

/** A title without its disambiguation: "Decade (Neil Young album)" → "Decade". */
const bareTitle = (title: string) => title.replace(/\s*\([^)]*\)/g, '');

/** For each name, the passages whose words contain it as a run (one scan per passage, indexed by first word). */
function mentionsOf(passages: PassageText[], wanted: Set<string>): Map<string, Set<number>> {
  const byFirst = new Map<string, string[][]>();
  for (const name of wanted) {
    const parts = name.split(' ');
    byFirst.set(parts[0]!, [...(byFirst.get(parts[0]!) ?? []), parts]);
  }
  const mentions = new Map<string, Set<number>>();
  passages.forEach((p, index) => {
    const list = words(`${p.title ?? ''} . ${p.text}`);
    list.forEach((word, i) => {
      for (const parts of byFirst.get(word) ?? []) {
        if (parts.some((part, k) => list[i + k] !== part)) continue;
        const name = parts.join(' ');
        mentions.set(name, (mentions.get(name) ?? new Set()).add(index));
      }
    });
  });
  return mentions;
}

/**
 * For each pair of passages, how strongly a rare name ties them: ln(N/df) / ln(N/2), capped at 1 (df = passages
 * mentioning it; a name every passage mentions ties nothing), times CO_MENTION unless it is one's title. Names the
 * question already gives are not bridges: BM25 has them. Single capitalized words that also occur in lower case
 * ("However", "The") are sentence starts, not names.
 */
function nameLinks(passages: PassageText[], question: string): number[][] {
  const asked = new Set(names(question).map((x) => words(x).join(' ')));
  const n = passages.length;
  const lowercase = new Set(passages.flatMap((p) => p.text.match(/(?<![\p{L}\p{N}])\p{Ll}+(?![\p{L}\p{N}])/gu) ?? []));
  const keep = (found: string[]) =>
    new Set(
      found
        .map((name) => words(name).join(' '))
        .filter((name) => name.length > 2 && (name.includes(' ') || !lowercase.has(name))),
    );
  const titles = passages.map((p) => keep(p.title ? [...names(p.title), fold(bareTitle(p.title))] : []));
  const own = passages.map((p, i) => new Set([...titles[i]!, ...keep(names(p.text))]));
  const mentions = mentionsOf(passages, new Set(own.flatMap((set) => [...set])));
  const links = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const norm = Math.log(n / 2);
  if (norm <= 0) return links;
  own.forEach((set, a) => {
    for (const name of set) {
      const where = mentions.get(name);
      if (!where || where.size < 2 || asked.has(name)) continue;
      const rarity = Math.min(1, Math.log(n / where.size) / norm);
      for (const b of where) {
        if (b === a) continue;
        // flow a→b: a mentions b's title (forward hyperlink) beats b mentioning a's title (reverse).
        const ab = titles[b]!.has(name) ? rarity : titles[a]!.has(name) ? rarity * REVERSE : rarity * CO_MENTION;
        const ba = titles[a]!.has(name) ? rarity : titles[b]!.has(name) ? rarity * REVERSE : rarity * CO_MENTION;
        links[a]![b] = Math.max(links[a]![b]!, ab);
        links[b]![a] = Math.max(links[b]![a]!, ba);
      }
    }
  });
  return links;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** Scaled so the best is 1 (all zero stays zero). */
function relative(scores: number[], floor = 0): number[] {
  const max = Math.max(...scores);
  return scores.map((s) => (max > floor ? Math.max(0, (s - floor) / (max - floor)) : 0));
}

/**
 * A passage whose title the question names ("…the Clinton Foundation…" → "Clinton Foundation") is the first hop,
 * however few words it shares with the question: it scores as the best. Titles shared by more than two passages
 * (the sections of one article) name nothing in particular.
 */
function namedByQuestion(question: string, passages: PassageText[], scores: number[]): number[] {
  const asked = ` ${words(question).join(' ')} `;
  const titles = passages.map((p) => (p.title ? words(bareTitle(p.title)).join(' ') : ''));
  const count = new Map<string, number>();
  for (const title of titles) count.set(title, (count.get(title) ?? 0) + 1);
  return scores.map((score, i) => {
    const title = titles[i]!;
    return title.length >= 3 && count.get(title)! <= 2 && asked.includes(` ${title} `) ? 1 : score;
  });
}

/**
 * Relevance of each passage to the question. With `embed`, a passage counts as relevant when either BM25 or the
 * embedding similarity says so (max of both, each scaled to its best), before the bridge.
 * @example relevance('Who founded X?', [{ title: 'X', text: '…' }], { hops: 2, hopDecay: 0.8 })
 */
export async function relevance(
  question: string,
  passages: PassageText[],
  options: RelevanceOptions,
): Promise<number[]> {
  const bm25 = new Bm25(
    passages.map((p) => [...terms(p.title ?? ''), ...terms(p.title ?? ''), ...terms(p.text)]),
    K1,
  );
  const query = terms(question);
  let scores = relative(passages.map((_, i) => bm25.score(query, i)));
  if (options.embed) {
    const [q, ...vectors] = await options.embed([
      question,
      ...passages.map((p) => (p.title ? `${p.title}\n${p.text}` : p.text)),
    ]);
    const similarity = vectors.map((v) => cosine(q!, v));
    const dense = relative(similarity, Math.min(...similarity));
    scores = scores.map((s, i) => Math.max(s, dense[i]!));
  }
  scores = namedByQuestion(question, passages, scores);
  if (options.hops <= 0) return scores;
  const links = nameLinks(passages, question);
  // Each step is less sure than the last: step k passes hopDecay^k of a passage's relevance on, so a chain of three
  // passages reaches the third at 0.9 × 0.81 of the first, not 0.9 × 0.9.
  for (let hop = 1; hop <= options.hops; hop++) {
    const decay = options.hopDecay ** hop;
    const previous = scores;
    scores = previous.map((own, c) => {
      let best = own;
      for (let o = 0; o < previous.length; o++) best = Math.max(best, decay * links[o]![c]! * previous[o]!);
      return best;
    });
  }
  return scores;
}
