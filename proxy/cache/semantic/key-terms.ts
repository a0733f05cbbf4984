/**
 * @module The safety guard of the semantic cache. Two questions can look alike to any embedder and still want
 * different answers: `num_rows` vs `num_columns`, GFCI vs AFCI, "in Python" vs "in Rust", 2 vs 3, "with" vs
 * "without", "JSON to YAML" vs "YAML to JSON". A false hit hands one user the answer to someone else's question,
 * so any such difference refuses the hit, whatever the similarity.
 */
import { accounting, accountingConflict, digitsOf, type Accounting } from './accounting.ts';
import { fold, isStopword, stem, words } from './words.ts';

/** What the guard compares about one question. */
export interface QuestionTerms {
  /** Exact names the question depends on, normalised: identifiers, numbers, ALL-CAPS, proper nouns, quotes. */
  keyTerms: string[];
  /** Every word and its stem, padded with spaces, for "does the other question mention this term". */
  mentions: string;
  stems: Set<string>;
  negated: boolean;
  /** The specific question words: "why", "who", "when", "where", "how many"… ("what" and "how" are generic). */
  asks: Set<string>;
  /** Words on each side of every "to"/"than"/"vs"…, to catch "A to B" asked as "B to A". */
  directions: { connector: string; left: Set<string>; right: Set<string> }[];
  /** Its content words, for the rule that each question must account for every one of the other's. */
  accounting: Accounting;
}

const NEGATION = /\b(?:not|no|never|none|nothing|nobody|nowhere|neither|nor|cannot|without)\b|n't\b/;

/** Word pairs whose swap flips the answer; a word counts only if the other question has its opposite instead. */
const OPPOSITES: [string, string][] = [
  ['increase', 'decrease'],
  ['before', 'after'],
  ['min', 'max'],
  ['minimum', 'maximum'],
  ['first', 'last'],
  ['largest', 'smallest'],
  ['biggest', 'smallest'],
  ['ascend', 'descend'],
  ['upload', 'download'],
  ['enable', 'disable'],
  ['add', 'remove'],
  ['import', 'export'],
  ['encode', 'decode'],
  ['encrypt', 'decrypt'],
  ['compress', 'decompress'],
  ['serialize', 'deserialize'],
  ['start', 'stop'],
  ['open', 'close'],
  ['left', 'right'],
  ['above', 'below'],
  ['more', 'less'],
  ['higher', 'lower'],
  ['faster', 'slower'],
  ['true', 'false'],
  ['input', 'output'],
  ['read', 'write'],
  ['client', 'server'],
  ['push', 'pull'],
  ['upper', 'lower'],
  ['uppercase', 'lowercase'],
  ['inner', 'outer'],
  ['install', 'uninstall'],
  ['show', 'hide'],
  ['on', 'off'],
  ['best', 'worst'],
  ['buy', 'sell'],
  ['hot', 'cold'],
  ['advantage', 'disadvantage'],
  ['pro', 'con'],
  ['lock', 'unlock'],
  ['mount', 'unmount'],
  ['zip', 'unzip'],
  ['include', 'exclude'],
  ['allow', 'deny'],
  ['accept', 'reject'],
  ['send', 'receive'],
  ['sync', 'async'],
].map(([a, b]) => [stem(a), stem(b)]);

/** "to" and "into" ask the same direction; the rest each order their two sides. */
const CONNECTORS = new Map([
  ['to', 'to'],
  ['into', 'to'],
  ['than', 'than'],
  ['vs', 'vs'],
  ['versus', 'vs'],
  ['from', 'from'],
  ['over', 'over'],
]);

/**
 * Who, when and where about the same thing are three different questions with three different answers. Counted
 * only where a clause opens with them (or an indirect question: "can you tell me who…"), and "when"/"where" only before an auxiliary ("when is…", not "when I…"),
 * so relative clauses ("…, which is…", "…when reading a file") do not count.
 */
const ASKS =
  /(?:^|[.!?;:\n]\s*|\b(?:tell me|know|wonder|wondering|asking)\s+)(?:(?:so|and|but|then|ok|okay|also)\s+)?(why|who|whom|whose|which|how\s+(?:many|much|long|old|often|far|big|large|fast)|(?:when|where)(?=\s+(?:is|are|was|were|do|does|did|can|could|should|would|will|has|have|had|am|must|might|may)\b))\b/g;

const DIRECTION_WINDOW = 2;

const QUOTED = /`([^`\n]+)`|["“”]([^"“”\n]{1,80})["“”]|(?<![\p{L}\p{N}])'([^'\n]{1,80})'(?![\p{L}\p{N}])/gu;
const TOKEN = /[\p{L}\p{N}_]+(?:\.[\p{L}\p{N}_]+)*/gu;

/** Extracts what the guard compares. */
export function questionTerms(question: string): QuestionTerms {
  const folded = fold(question);
  // "v2.10.0" and "version 2.10.0" name the same release.
  const all = words(folded).map((w) => digitsOf(w.replace(/^v(?=\d)/, '')));
  const keyTerms = new Set<string>();
  const addTerm = (raw: string) => {
    const normalised = words(fold(raw))
      .map((w) => w.replace(/^v(?=\d)/, ''))
      .join(' ');
    if (normalised) keyTerms.add(normalised);
  };
  for (const match of question.matchAll(QUOTED)) addTerm(match[1] ?? match[2] ?? match[3]!);
  for (const match of question.matchAll(TOKEN)) if (isKeyToken(question, match[0], match.index)) addTerm(match[0]);
  return {
    keyTerms: [...keyTerms],
    mentions: ` ${all.join(' ')} `,
    stems: new Set([...all, ...all.map(stem)]),
    negated: NEGATION.test(folded),
    asks: asks(folded),
    directions: directions(folded),
    accounting: accounting(question),
  };
}

/** Why two questions must not share an answer, or undefined when the guard sees no reason. */
export function keyTermConflict(a: QuestionTerms, b: QuestionTerms): string | undefined {
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    const missing = x.keyTerms.find((term) => !mentions(y, term));
    if (missing !== undefined) return `"${missing}" is in one question only`;
  }
  if (a.negated !== b.negated) return 'one question is negated';
  for (const [x, y] of OPPOSITES) {
    const ax = a.stems.has(x),
      ay = a.stems.has(y),
      bx = b.stems.has(x),
      by = b.stems.has(y);
    if ((ax && !ay && by && !bx) || (ay && !ax && bx && !by)) return `"${x}" vs "${y}"`;
  }
  // "uncooked" vs "cooked", "unsigned" vs "signed": the prefix negates as surely as "not".
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    const reversed = [...x.stems].find(
      (w) =>
        w.length > 4 && w.startsWith('un') && !x.stems.has(w.slice(2)) && y.stems.has(w.slice(2)) && !y.stems.has(w),
    );
    if (reversed) return `"${reversed}" vs "${reversed.slice(2)}"`;
  }
  const asked = [...a.asks].filter((w) => !b.asks.has(w)).concat([...b.asks].filter((w) => !a.asks.has(w)));
  if (asked.length) return `only one question asks "${asked[0]}"`;
  // A relation both questions state the same way is not reversed by another occurrence of its connector.
  const unmatched = (x: QuestionTerms, y: QuestionTerms) =>
    x.directions.filter((d) => !y.directions.some((e) => sameDirection(d, e)));
  for (const da of unmatched(a, b)) {
    for (const db of unmatched(b, a)) {
      if (da.connector !== db.connector) continue;
      const forward = crossing(da.left, db.right, da.right, db.left);
      const backward = crossing(da.right, db.left, da.left, db.right);
      if (forward && backward) return `"${forward} ${da.connector} ${backward}" is reversed`;
    }
  }
  return accountingConflict(a.accounting, b.accounting);
}

function sameDirection(x: QuestionTerms['directions'][number], y: QuestionTerms['directions'][number]): boolean {
  const same = (p: Set<string>, q: Set<string>) => p.size === q.size && [...p].every((w) => q.has(w));
  return x.connector === y.connector && same(x.left, y.left) && same(x.right, y.right);
}

function mentions(terms: QuestionTerms, term: string): boolean {
  return terms.mentions.includes(` ${term} `) || (!term.includes(' ') && terms.stems.has(stem(term)));
}

/** Is this token an exact name? Ordinary words are left to the embedder, which weighs them by similarity. */
function isKeyToken(text: string, token: string, at: number): boolean {
  // Any number counts, even one digit ("2+2" vs "2+3"); a single letter does not ("I", "a").
  if (/_/.test(token) || /\p{N}/u.test(token)) return /[\p{L}\p{N}]/u.test(token);
  if (token.length < 2) return false;
  if (/\.[\p{L}_]{2,}|^[\p{L}_]{2,}\./u.test(token) || text[at + token.length] === '(') return true;
  if (/\p{Ll}\p{Lu}/u.test(token) || /^\p{Lu}[\p{Lu}\p{N}]+$/u.test(token)) return true;
  // A capitalised word inside a sentence is a name (Python, Narita, Quicken); at a sentence start it is just capitalised.
  return /^\p{Lu}/u.test(token) && !isStopword(fold(token)) && !startsSentence(text, at);
}

function startsSentence(text: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && /[\s"'“‘([*#>-]/.test(text[i]!)) i--;
  return i < 0 || /[.!?:;]/.test(text[i]!);
}

function asks(folded: string): Set<string> {
  return new Set([...folded.trim().matchAll(ASKS)].map((m) => m[1]!.replace(/\s+/g, ' ')));
}

function directions(folded: string): QuestionTerms['directions'] {
  const out: QuestionTerms['directions'] = [];
  for (const sentence of folded.split(/[.!?;\n]+/)) {
    const sentenceWords = words(sentence);
    const content = (list: string[]) => list.filter((w) => !isStopword(w) && !CONNECTORS.has(w)).map(stem);
    sentenceWords.forEach((word, i) => {
      const connector = CONNECTORS.get(word);
      // Only the nearest words count: "convert JSON to YAML", not the infinitive "to" of a long sentence.
      if (connector)
        out.push({
          connector,
          left: new Set(content(sentenceWords.slice(0, i)).slice(-DIRECTION_WINDOW)),
          right: new Set(content(sentenceWords.slice(i + 1)).slice(0, DIRECTION_WINDOW)),
        });
    });
  }
  return out;
}

/** A word on side `from` of one question that sits on the other side in the other question, and only there. */
function crossing(
  from: Set<string>,
  to: Set<string>,
  fromOther: Set<string>,
  toOther: Set<string>,
): string | undefined {
  for (const word of from) if (to.has(word) && !fromOther.has(word) && !toOther.has(word)) return word;
  return undefined;
}
