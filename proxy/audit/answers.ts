/**
 * @module Structured answers: a multiple-choice letter, a number, JSON, or JavaScript code that parses. Two answers
 * of the same structure are compared exactly (after normalising); anything else needs the pairwise judge, and so
 * does code that differs (the judge's rule, judge.ts).
 */
import vm from 'node:vm';

export interface StructuredAnswer {
  kind: 'choice' | 'number' | 'json' | 'code';
  /** The normalised value: equal values are the same answer. */
  value: string;
}

const FENCE = /^```([\w+-]*)\s*\n([\s\S]*?)\n```\s*$/;
// A bare letter, "(C)", "C." or "C)" at the start, or "answer is C": never a sentence that starts with "A ".
const CHOICE =
  /^\s*\(([A-J])\)|^\s*([A-J])(?:[.):]|\s*$)|\b(?:[Aa]nswer|[Oo]ption|[Cc]hoice)(?: is)?\s*[:：]?\s*\(?([A-J])\)?(?![\w])/;
const NUMBER = /-?\d[\d,]*(?:\.\d+)?/g;
const FINAL_NUMBER = /(?:####|answer(?: is)?\s*[:：]?|=)\s*\$?\s*(-?\d[\d,]*(?:\.\d+)?)/gi;
/** A longer answer is prose that happens to contain numbers, not a numeric answer. */
const SHORT_ANSWER = 400;

/** Reads the structure of an answer, if it has one. */
export function structuredAnswer(text: string): StructuredAnswer | undefined {
  const trimmed = text.trim();
  const fenced = FENCE.exec(trimmed);
  const json = parseJson(fenced && /^(json)?$/i.test(fenced[1]!) ? fenced[2]! : trimmed);
  if (json !== undefined) return { kind: 'json', value: json };
  if (fenced && /^(js|javascript|mjs)$/i.test(fenced[1]!) && parsesAsJavaScript(fenced[2]!))
    return { kind: 'code', value: fenced[2]!.replace(/\s+/g, ' ').trim() };
  if (trimmed.length > SHORT_ANSWER) return undefined;
  const choice = CHOICE.exec(trimmed);
  if (choice) return { kind: 'choice', value: (choice[1] ?? choice[2] ?? choice[3])! };
  const finals = [...trimmed.matchAll(FINAL_NUMBER)];
  const numbers = finals.length ? finals.map((m) => m[1]!) : (trimmed.match(NUMBER) ?? []);
  // One number, or one declared final: a numeric answer. Several bare numbers: a worked answer, judged pairwise.
  if (finals.length || numbers.length === 1)
    return { kind: 'number', value: String(Number(numbers.at(-1)!.replace(/,/g, ''))) };
  return undefined;
}

/** Same structure and value: `tie`; same structure, another value: `differ`; otherwise undefined (judge pairwise). */
export function compareStructured(
  local: string,
  cloud: string,
): { kind: StructuredAnswer['kind']; same: boolean } | undefined {
  const a = structuredAnswer(local),
    b = structuredAnswer(cloud);
  if (!a || !b || a.kind !== b.kind) return undefined;
  return { kind: a.kind, same: a.value === b.value };
}

function parseJson(text: string): string | undefined {
  if (!/^[[{]/.test(text)) return undefined;
  try {
    return JSON.stringify(sorted(JSON.parse(text)));
  } catch {
    return undefined;
  }
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sorted((value as Record<string, unknown>)[k])]),
    );
  return value;
}

function parsesAsJavaScript(code: string): boolean {
  try {
    new vm.Script(code);
    return true;
  } catch {
    return false;
  }
}
