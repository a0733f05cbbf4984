/**
 * @module The accounting rule of the semantic guard: two questions share an answer only when every content word of
 * each is accounted for in the other — the same word, the same stem, a joined or split compound ("dataset" / "data
 * set"), or a synonym from a deliberately small table. Any word left over refuses the hit, so a changed noun
 * (adults → children, rows → columns), unit, verb (commit → push), name or number is caught without listing it:
 * the rule needs no knowledge of which words differ in meaning, only of which few words are interchangeable.
 * Precision by construction; the price is recall on paraphrases that use different words.
 */
import { fold, isStopword, stem, words } from './words.ts';

/**
 * Interchangeable words, each group mapped to its first word. Kept small on purpose: an entry here is a claim that
 * swapping the words never changes the answer, in any question.
 */
const SYNONYMS: string[][] = [
  ['make', 'build'],
  ['remove', 'delete'],
  ['fix', 'repair'],
  ['big', 'large'],
  ['use', 'utilize', 'utilise'],
  ['choose', 'select', 'pick'],
  ['find', 'locate'],
  ['picture', 'photo', 'image'],
  ['car', 'automobile'],
  ['begin', 'start'],
  ['display', 'show'],
  ['purchase', 'buy'],
  ['price', 'cost'],
  ['pc', 'computer'],
];

/** Phrases that say the same as one word, rewritten before the words are compared. */
const PHRASES: [RegExp, string][] = [
  [/\bfigure out\b|\bfind out\b/g, 'find'],
  [/\bget rid of\b/g, 'remove'],
  [/\bhow come\b/g, 'why'],
  [/\ba lot of\b|\blots of\b/g, 'many'],
];

/** Politeness and framing that never changes what is asked. */
const FILLER = new Set(
  'thanks thank hi hello hey actually really exactly basically simply just quick question someone anyone somebody anybody guys help wondering wonder trying try able'.split(
    ' ',
  ),
);

/** He, she and they about the same context ask about different people; "I", "you" and "we" ask generically. */
const PRONOUNS = new Map([
  ['he', 'he'],
  ['him', 'he'],
  ['his', 'he'],
  ['himself', 'he'],
  ['she', 'she'],
  ['her', 'she'],
  ['hers', 'she'],
  ['herself', 'she'],
  ['they', 'they'],
  ['them', 'they'],
  ['their', 'they'],
  ['theirs', 'they'],
  ['themselves', 'they'],
]);

const ADVICE = new Set(['should', 'ought', 'must', 'shall']);

const NUMBER_WORDS = 'zero one two three four five six seven eight nine ten eleven twelve'.split(' ');

const canonical = new Map<string, string>();
for (const group of SYNONYMS) for (const word of group) canonical.set(stem(word), stem(group[0]!));

/** What a question asks about, in canonical terms, and the compounds its adjacent words make. */
export interface Accounting {
  /** Each canonical content word and how often the question uses it. */
  terms: Map<string, number>;
  compounds: Set<string>;
  /** Every number, in order: "(3,0), (3,2)" and "(3,3), (3,0)" hold the same numbers and ask different things. */
  numbers: string[];
  /** How many negations: "are and are not" is not "are not and are not". */
  negations: number;
  /** How many comparisons ("bigger than zero" is not "zero bigger"). */
  comparisons: number;
  /** "What was…" and "what will…" ask about other times than "what is…". */
  tenses: string;
  /** Whose: "my name" and "your name" are different answers, though "how do you…" and "how do I…" are not. */
  owners: string;
}

const TENSES = new Map([
  ['was', 'past'],
  ['were', 'past'],
  ['did', 'past'],
  ['had', 'past'],
  ['will', 'future'],
  ['shall', 'future'],
]);
const OWNERS = new Map([
  ['my', 'my'],
  ['mine', 'my'],
  ['your', 'your'],
  ['yours', 'your'],
  ['our', 'our'],
  ['ours', 'our'],
]);

const NEGATIONS = /\b(?:not|no|never|none|nothing|nobody|nowhere|neither|nor|without)\b/g;

/** The canonical content words of a question, and the counts the rule compares exactly. */
export function accounting(question: string): Accounting {
  let folded = fold(question)
    .replace(/\b(can|won)'t\b/g, (_, w: string) => (w === 'can' ? 'can not' : 'will not'))
    .replace(/\bcannot\b/g, 'can not')
    .replace(/n't\b/g, ' not')
    .replace(/'(?:s|re|ll|ve|d|m)\b/g, '')
    // "v2.10.0" and "version 2.10.0" name the same release.
    .replace(/\b(?:v|version\s+)(?=\d)/g, '');
  for (const [pattern, replacement] of PHRASES) folded = folded.replace(pattern, replacement);
  const all = words(folded);
  const terms = new Map<string, number>();
  for (const word of all) {
    const term = termOf(word);
    if (term !== undefined) terms.set(term, (terms.get(term) ?? 0) + 1);
  }
  const compounds = new Set<string>();
  for (let i = 0; i + 1 < all.length; i++) compounds.add(stem(all[i]! + all[i + 1]!));
  return {
    terms,
    compounds,
    numbers: all.map(termOf).filter((term): term is string => term !== undefined && /\d/.test(term)),
    negations: folded.match(NEGATIONS)?.length ?? 0,
    comparisons: all.filter((word) => word === 'than').length,
    tenses: markers(all, TENSES),
    owners: markers(all, OWNERS),
  };
}

function markers(all: string[], kinds: Map<string, string>): string {
  return [...new Set(all.flatMap((word) => kinds.get(word) ?? []))].sort().join(' ');
}

/** "two" and "2" are the same number. */
export function digitsOf(word: string): string {
  const number = NUMBER_WORDS.indexOf(word);
  return number >= 0 ? String(number) : word;
}

function termOf(spelled: string): string | undefined {
  const word = digitsOf(spelled);
  const pronoun = PRONOUNS.get(word);
  if (pronoun) return pronoun;
  // "Should I…?" asks for advice, "Can I…?" or "How do I…?" for a fact or a method.
  if (ADVICE.has(word)) return 'should';
  if (isStopword(word) || FILLER.has(word) || word === 'not') return undefined;
  const stemmed = stem(word);
  return canonical.get(stemmed) ?? stemmed;
}

/** Why the two questions are not accounted for in each other, or undefined when each covers the other exactly. */
export function accountingConflict(a: Accounting, b: Accounting): string | undefined {
  if (a.negations !== b.negations) return 'one question is negated';
  if (a.numbers.join(' ') !== b.numbers.join(' ')) return 'the numbers differ';
  if (a.comparisons !== b.comparisons) return 'only one question compares';
  if (a.tenses !== b.tenses) return 'the tenses differ';
  if (a.owners && b.owners && a.owners !== b.owners) return 'the owners differ';
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    for (const [term, count] of x.terms) {
      const other = y.terms.get(term);
      if (other === undefined && !y.compounds.has(term) && !partOfCompound(term, x, y))
        return `"${term}" is not accounted for in the other question`;
      if (other !== undefined && other !== count) return `"${term}" is used ${count} and ${other} times`;
    }
  }
  return undefined;
}

/** "data set" in one question accounts for "dataset" in the other: a word of `y` that two adjacent words of `x` make. */
function partOfCompound(term: string, x: Accounting, y: Accounting): boolean {
  for (const other of y.terms.keys())
    if (x.compounds.has(other) && (other.startsWith(term) || other.endsWith(term))) return true;
  return false;
}
