/**
 * @module The words of a question, as both the lexical embedder and the key-term guard see them: case and accents
 * folded, split on anything but letters, digits and `_` (so `num_rows` stays one word), lightly stemmed.
 */

/**
 * Function words, and the frames questions are asked in ("what is the best way to…", "how can I…"): two questions
 * that share only their frame are not the same question, so the frame must not make them look alike.
 */
const STOPWORDS = new Set(
  (
    'a an and are as at be been being but by can could did do does doing for from had has have having he her him his how i if ' +
    'in into is it its me my of on or our she should so than that the their them then there these they this those to too us ' +
    'was we were what when where which while who whom whose why will with would you your yours about also any some just very ' +
    'please tell explain way best good difference between possible need want know kind type ok okay thing things s t'
  ).split(' '),
);

/** Folds case, accents and typographic quotes, so "Café", "cafe" and "CAFE" meet. */
export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[‘’]/g, "'")
    .toLowerCase();
}

/** Every word of already-folded text, stopwords included, in order. */
export function words(folded: string): string[] {
  return folded.split(/[^\p{L}\p{N}_]+/u).filter(Boolean);
}

/** True for words that say nothing about what is asked. */
export function isStopword(word: string): boolean {
  return STOPWORDS.has(word);
}

/**
 * A light suffix stem (plural, -ing, -ed), so "trips", "tripping" and "tripped" meet; the embedder's character
 * n-grams catch the forms this misses. Identifiers and words with digits are left alone: they name exact things.
 */
export function stem(word: string): string {
  if (word.length < 4 || /[\d_]/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2);
  // "tripp" → "trip", but keep "ll"/"ss" words such as "install" and "class" whole.
  if (w.length > 3 && w !== word && w.at(-1) === w.at(-2) && !/[lsz]/.test(w.at(-1)!)) w = w.slice(0, -1);
  return w;
}

/** The stemmed content words of a text, in order. */
export function contentWords(text: string): string[] {
  return words(fold(text))
    .filter((w) => !isStopword(w))
    .map(stem);
}
