// Token counting speed: tokens per second on real prose (each distinct passage of the context dev sets), for a cold piece
// memo (first request after start) and a warm one (steady state), per encoding; and o200k's characters per token,
// the number behind the Gemini estimate in proxy/context/tokens.ts.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Tiktoken } from 'js-tiktoken/lite';
import { loadEncodingCounter, type EncodingName } from '../proxy/context/tokens.ts';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const dir = path.resolve(process.env.TOKENWISE_DATA ?? path.join(root, '..', 'shared', 'data'), 'context');
const passages = readdirSync(dir)
  .filter((f) => f.endsWith('.jsonl'))
  .flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean))
  .flatMap((line) =>
    (JSON.parse(line) as { passages: { title: string; text: string }[] }).passages.map(
      (p) => `${p.title}\n${p.text}\n`,
    ),
  );
// SQuAD repeats one article's paragraphs per question: each passage once, so the warm memo is not flattered.
const text = [...new Set(passages)].join('\n');

const time = <T>(run: () => T): [T, number] => {
  const start = performance.now();
  const value = run();
  return [value, performance.now() - start];
};
const rate = (tokens: number, ms: number) => `${Math.round((tokens / ms) * 1000).toLocaleString('en')} tokens/s`;

const results: Record<string, string> = { 'text, characters': text.length.toLocaleString('en') };
for (const encoding of ['o200k_base', 'cl100k_base'] as EncodingName[]) {
  const [count, loadMs] = await (async () => {
    const start = performance.now();
    const counter = await loadEncodingCounter(encoding);
    return [counter, performance.now() - start] as const;
  })();
  const [tokens, coldMs] = time(() => count(text));
  const [, warmMs] = time(() => count(text));
  const reference = new Tiktoken((await import(`js-tiktoken/ranks/${encoding}`)).default);
  const [encoded, plainMs] = time(() => reference.encode(text, [], []).length);
  if (encoded !== tokens) throw new Error(`${encoding}: counted ${tokens}, tiktoken encodes ${encoded}`);
  results[`${encoding}: tokens (chars/token)`] =
    `${tokens.toLocaleString('en')} (${(text.length / tokens).toFixed(2)})`;
  results[`${encoding}: load, ms`] = String(Math.round(loadMs));
  results[`${encoding}: first pass`] = rate(tokens, coldMs);
  results[`${encoding}: repeated text`] = rate(tokens, warmMs);
  results[`${encoding}: plain js-tiktoken encode`] = rate(tokens, plainMs);
}
console.log(
  JSON.stringify({
    name: 'Token counting',
    results,
    notes: `Distinct passages of the context dev sets (${dir}); counts checked equal to js-tiktoken's.`,
  }),
);
