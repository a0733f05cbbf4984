/**
 * @module Writes `cache-hard.dev.jsonl`: near-miss question pairs that one answer does NOT serve, made from the real
 * questions of the shared dev data by one controlled edit each (a number, date, entity, unit, negation, comparative,
 * argument order, or one content word changed), plus true paraphrase pairs so recall stays measurable. Seeded and
 * deterministic: the same data gives the same file, byte for byte. Run from the repo root:
 *
 *     npx tsx proxy/eval/data/generate-hard-pairs.ts [shared data dir]
 *
 * The edits are generic (any number, any capitalised name, any unit); only the comparative, unit and sibling swaps
 * use word lists, and the cache's guard uses none of them: it refuses any content word the other question does not
 * account for, so it is not tuned to these lists.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mulberry32 } from '../random.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const data = process.argv[2] ?? path.resolve(root, '../shared/data');
const out = path.resolve(import.meta.dirname, 'cache-hard.dev.jsonl');
const random = mulberry32(20_251_203);
const PER_KIND = 220;

const jsonl = (file: string) =>
  readFileSync(path.join(data, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const parts = (dir: string, name: string) =>
  readdirSync(path.join(data, dir))
    .filter((f) => f.startsWith(`${name}.dev`))
    .sort()
    .flatMap((f) => jsonl(path.join(dir, f)));
const lastUser = (r: Record<string, unknown>) => (r.messages as { content: string }[]).at(-1)!.content;

/** Short, single-line questions only: the cache compares final user messages, and a long one is rarely re-asked. */
const usable = (q: string) => q.length >= 15 && q.length <= 220 && !q.includes('\n');
const questions = [
  ...jsonl('cache/sts_questions.dev.jsonl').flatMap((p) => [p.a as string, p.b as string]),
  ...jsonl('cache/gptcache_mock.dev.jsonl')
    .filter((p) => p.same)
    .map((p) => p.a as string),
  ...['hotpotqa', 'musique', 'squad'].flatMap((name) => parts('context', name).map((r) => r.question as string)),
  ...parts('routing', 'mmlu').map((r) => lastUser(r).split(/\nA\./)[0]!.trim()),
  // GSM8K: the question sentence at the end of each word problem ("How many miles does the last dog need?").
  ...parts('routing', 'gsm8k').map(
    (r) =>
      lastUser(r)
        .match(/[^.?!]*\?\s*$/)?.[0]
        ?.trim() ?? '',
  ),
].filter(usable);
const pool = shuffle([...new Set(questions)]);

type Edit = (q: string) => string | undefined;

const swapFrom = (pairs: [string, string][]) => {
  const map = new Map<string, string>();
  for (const [a, b] of pairs) {
    map.set(a, b);
    map.set(b, a);
  }
  return map;
};

const COMPARATIVES = swapFrom([
  ['more', 'less'],
  ['most', 'least'],
  ['larger', 'smaller'],
  ['largest', 'smallest'],
  ['bigger', 'smaller'],
  ['higher', 'lower'],
  ['highest', 'lowest'],
  ['longer', 'shorter'],
  ['longest', 'shortest'],
  ['older', 'younger'],
  ['oldest', 'youngest'],
  ['first', 'last'],
  ['best', 'worst'],
  ['better', 'worse'],
  ['before', 'after'],
  ['earliest', 'latest'],
  ['increase', 'decrease'],
  ['maximum', 'minimum'],
  ['faster', 'slower'],
  ['greater', 'fewer'],
  ['above', 'below'],
  ['cheaper', 'dearer'],
  ['early', 'late'],
  ['heavier', 'lighter'],
  ['strongest', 'weakest'],
  ['stronger', 'weaker'],
  ['increases', 'decreases'],
  ['rise', 'fall'],
]);
const UNITS = swapFrom([
  ['miles', 'kilometers'],
  ['mile', 'kilometer'],
  ['pounds', 'kilograms'],
  ['pound', 'kilogram'],
  ['hours', 'minutes'],
  ['hour', 'minute'],
  ['seconds', 'milliseconds'],
  ['dollars', 'euros'],
  ['dollar', 'euro'],
  ['feet', 'meters'],
  ['foot', 'meter'],
  ['inches', 'centimeters'],
  ['gallons', 'liters'],
  ['days', 'weeks'],
  ['day', 'week'],
  ['months', 'years'],
  ['month', 'year'],
  ['cups', 'ounces'],
  ['bytes', 'bits'],
  ['cents', 'pennies'],
  ['grams', 'ounces'],
  ['yards', 'meters'],
  ['acres', 'hectares'],
  ['celsius', 'fahrenheit'],
  ['mb', 'gb'],
  ['cm', 'mm'],
]);
/** Sibling concepts: same kind of thing, different answer. */
const SIBLINGS = swapFrom([
  ['adults', 'children'],
  ['boiling', 'freezing'],
  ['rows', 'columns'],
  ['local', 'remote'],
  ['north', 'south'],
  ['east', 'west'],
  ['husband', 'wife'],
  ['father', 'mother'],
  ['son', 'daughter'],
  ['brother', 'sister'],
  ['king', 'queen'],
  ['import', 'export'],
  ['train', 'test'],
  ['input', 'output'],
  ['upload', 'download'],
  ['summer', 'winter'],
  ['spring', 'autumn'],
  ['morning', 'evening'],
  ['president', 'vice president'],
  ['city', 'country'],
  ['capital', 'largest city'],
  ['birth', 'death'],
  ['born', 'died'],
  ['population', 'area'],
  ['author', 'publisher'],
  ['director', 'producer'],
  ['singer', 'drummer'],
  ['album', 'single'],
  ['film', 'novel'],
  ['river', 'lake'],
  ['mountain', 'volcano'],
  ['cat', 'dog'],
  ['wood', 'metal'],
  ['water', 'oil'],
  ['keys', 'values'],
  ['list', 'tuple'],
  ['file', 'folder'],
  ['server', 'client'],
  ['read', 'write'],
  ['sum', 'product'],
  ['mean', 'median'],
  ['width', 'height'],
  ['sodium', 'potassium'],
  ['acid', 'base'],
  ['protons', 'neutrons'],
  ['arteries', 'veins'],
  ['plants', 'animals'],
  ['bacteria', 'viruses'],
  ['debit', 'credit'],
  ['stocks', 'bonds'],
  ['rent', 'buy'],
  ['lunch', 'dinner'],
  ['breakfast', 'dinner'],
  ['boys', 'girls'],
  ['men', 'women'],
  ['students', 'teachers'],
  ['buy', 'sell'],
  ['win', 'lose'],
]);
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const AUX = /\b(is|are|was|were|does|do|did|can|could|should|will|would|has|have|had)\b(?= (?!not\b|n't\b)[a-z])/i;
const STOP = new Set(
  'a an the of in on at to for from by with and or but is are was were be been do does did what which who whom whose when where why how this that these those it its as into than then there their they he she his her you your i my we our can could should would will has have had not no'.split(
    ' ',
  ),
);

/** Keeps the capitalisation of the word it replaces. */
const like = (original: string, replacement: string) =>
  /^\p{Lu}/u.test(original) ? replacement[0]!.toUpperCase() + replacement.slice(1) : replacement;
const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;

/** Replaces one word found in `table` (a random one of those present), keeping its case. */
const swapWord =
  (table: Map<string, string>): Edit =>
  (q) => {
    const found = [...q.matchAll(/\p{L}+/gu)].filter((m) => table.has(m[0].toLowerCase()));
    if (!found.length) return undefined;
    const m = pick(found);
    return q.slice(0, m.index) + like(m[0], table.get(m[0].toLowerCase())!) + q.slice(m.index! + m[0].length);
  };

const names = [
  ...new Set(pool.flatMap((q) => [...q.matchAll(/(?<=\p{L}[,;]? )\p{Lu}\p{Ll}{2,}\b/gu)].map((m) => m[0]))),
].filter((w) => !STOP.has(w.toLowerCase()));
const vocabulary = [...new Set(pool.flatMap((q) => q.toLowerCase().match(/\b[a-z]{4,}\b/g) ?? []))].filter(
  (w) => !STOP.has(w),
);

const EDITS: Record<string, Edit> = {
  number: (q) => {
    const found = [...q.matchAll(/(?<![\p{L}\d.])\d+(?:\.\d+)?(?![\d])/gu)].filter(
      (m) => !/^(1[0-9]|20)\d\d$/.test(m[0]),
    );
    if (!found.length) return undefined;
    const m = pick(found);
    const n = Number(m[0]);
    const scaled = n < 3 ? n + 1 + Math.floor(random() * 3) : Math.round(n * pick([0.5, 1.5, 2, 3]));
    return q.slice(0, m.index) + String(scaled === n ? n + 1 : scaled) + q.slice(m.index! + m[0].length);
  },
  date: (q) => {
    const year = [...q.matchAll(/\b(1[5-9]\d\d|20[0-2]\d)\b/g)];
    if (year.length) {
      const m = pick(year);
      return q.slice(0, m.index) + String(Number(m[0]) + pick([-10, -3, -1, 1, 2, 5])) + q.slice(m.index! + 4);
    }
    const month = [...q.matchAll(/\p{L}+/gu)].filter(
      (m) => MONTHS.includes(m[0].toLowerCase()) && /^\p{Lu}/u.test(m[0]),
    );
    if (!month.length) return undefined;
    const m = pick(month);
    const other = MONTHS[(MONTHS.indexOf(m[0].toLowerCase()) + 1 + Math.floor(random() * 10)) % 12]!;
    return q.slice(0, m.index) + like(m[0], other) + q.slice(m.index! + m[0].length);
  },
  entity: (q) => {
    const found = [...q.matchAll(/(?<=\p{L}[,;]? )\p{Lu}\p{Ll}{2,}\b/gu)].filter((m) => !STOP.has(m[0].toLowerCase()));
    if (!found.length) return undefined;
    const m = pick(found);
    const other = pick(names);
    return other === m[0] ? undefined : q.slice(0, m.index) + other + q.slice(m.index! + m[0].length);
  },
  negation: (q) => {
    const m = q.match(AUX);
    return m ? `${q.slice(0, m.index! + m[0].length)} not${q.slice(m.index! + m[0].length)}` : undefined;
  },
  comparative: swapWord(COMPARATIVES),
  unit: swapWord(UNITS),
  order: (q) => {
    const patterns = [
      /\b(from) (\p{L}+) (to) (\p{L}+)/iu,
      /\b(convert|translate|migrate|move|switch|transfer|copy|change) (\p{L}+) (to|into) (\p{L}+)/iu,
      /\b(is|are|was|were) (\p{L}+) (\p{L}+er|more \p{L}+|less \p{L}+) than (\p{L}+)/iu,
      /\b(of|choose|prefer|use) (\p{L}+) (over|instead of) (\p{L}+)/iu,
    ];
    for (const pattern of patterns) {
      const m = q.match(pattern);
      if (
        !m ||
        m[2]!.toLowerCase() === m[4]!.toLowerCase() ||
        STOP.has(m[2]!.toLowerCase()) ||
        STOP.has(m[4]!.toLowerCase())
      )
        continue;
      return q.slice(0, m.index) + `${m[1]} ${m[4]} ${m[3]} ${m[2]}` + q.slice(m.index! + m[0].length);
    }
    return undefined;
  },
  sibling: swapWord(SIBLINGS),
  word: (q) => {
    const found = [...q.matchAll(/\b[a-z]{4,}\b/g)].filter((m) => !STOP.has(m[0]));
    if (!found.length) return undefined;
    const m = pick(found);
    const other = pick(vocabulary);
    return other === m[0] ? undefined : q.slice(0, m.index) + other + q.slice(m.index! + m[0].length);
  },
};

/** Rewordings that keep the question: a different frame, case, punctuation or contraction. */
const PARAPHRASES: Edit[] = [
  (q) =>
    /^How do I\b/.test(q)
      ? q.replace(/^How do I\b/, 'How can I')
      : /^How can I\b/.test(q)
        ? q.replace(/^How can I\b/, 'How do I')
        : undefined,
  (q) =>
    /^What is\b/.test(q)
      ? q.replace(/^What is\b/, "What's")
      : /^What's\b/.test(q)
        ? q.replace(/^What's\b/, 'What is')
        : undefined,
  (q) => q.replace(/[?.!]\s*$/, '').toLowerCase(),
  (q) => `${q.replace(/[?.!]\s*$/, '')}?`.replace(/^\p{Lu}/u, (c) => c.toLowerCase()).replace(/^/, 'Quick question: '),
  (q) =>
    /^(?:What|Which|Who|When|Where|How|Why)\b/.test(q)
      ? `Can you tell me ${q[0]!.toLowerCase()}${q.slice(1)}`
      : undefined,
];

function shuffle<T>(items: T[]): T[] {
  return items
    .map((item) => ({ item, key: random() }))
    .sort((x, y) => x.key - y.key)
    .map(({ item }) => item);
}

const lines: string[] = [];
const seen = new Set<string>();
const emit = (kind: string, a: string, b: string, same: boolean) => {
  if (a === b || seen.has(`${a}\u0000${b}`)) return false;
  seen.add(`${a}\u0000${b}`);
  lines.push(
    JSON.stringify({
      id: `hard/${kind}/${String(lines.filter((l) => l.includes(`"hard/${kind}/`)).length + 1).padStart(4, '0')}`,
      source: `hard/${kind}`,
      a,
      b,
      same,
    }),
  );
  return true;
};

for (const [kind, edit] of Object.entries(EDITS)) {
  let made = 0;
  for (const q of pool) {
    if (made >= PER_KIND) break;
    const edited = edit(q);
    // Half the pairs put the edited question first, so neither side is always the stored one.
    if (edited && edited !== q && (random() < 0.5 ? emit(kind, q, edited, false) : emit(kind, edited, q, false)))
      made++;
  }
}
let made = 0;
for (const q of pool) {
  if (made >= 2 * PER_KIND) break;
  const edited = pick(PARAPHRASES)(q);
  if (edited && edited !== q && emit('paraphrase', q, edited, true)) made++;
}
// Real paraphrases written by people (GPTCache's), not by an edit this script knows.
for (const pair of shuffle(
  jsonl('cache/gptcache_mock.dev.jsonl').filter((p) => p.same && usable(p.a as string) && usable(p.b as string)),
).slice(0, PER_KIND)) {
  emit('gptcache-paraphrase', pair.a as string, pair.b as string, true);
}
writeFileSync(out, `${lines.join('\n')}\n`);
console.log(`${lines.length} pairs written to ${path.relative(root, out)}`);
