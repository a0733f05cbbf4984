/**
 * @module The `routing` format of the evaluation data (shared/data/README.md): one prompt, and how a strong (cloud)
 * and a weak (local) model did on it. Loading rejects the first record that breaks the format, by file and line.
 */
import { jsonlLines } from '../jsonl.ts';
import { readFileSync } from 'node:fs';
import type { ChatMessage } from '../../chat.ts';

export interface ModelOutcome {
  model: string;
  /** 0–1; for MMLU and GSM8K, 1 when the answer was correct. */
  score: number;
  /** Length of the model's response, where the source kept it. */
  output_chars: number | null;
}

export interface RoutingRecord {
  id: string;
  source: string;
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
  strong: ModelOutcome;
  weak: ModelOutcome;
}

export class RoutingFormatError extends Error {}

const ROLES = new Set(['system', 'user', 'assistant']);

/** Parses one JSONL file of routing records. */
export function parseRoutingRecords(text: string, file: string): RoutingRecord[] {
  const records: RoutingRecord[] = [];
  const ids = new Set<string>();
  for (const { line, value } of jsonlLines(text)) {
    const fail = (reason: string): never => {
      throw new RoutingFormatError(`${file}:${line}: ${reason}`);
    };
    if (!isObject(value)) return fail('not a JSON object');
    for (const field of ['id', 'source'] as const)
      if (!nonEmpty(value[field])) fail(`"${field}" must be a non-empty string`);
    if (ids.has(value.id as string)) fail(`duplicate id "${value.id}"`);
    ids.add(value.id as string);
    const messages = value.messages;
    if (!Array.isArray(messages) || !messages.length) return fail('"messages" must be a non-empty array');
    messages.forEach((m: unknown, j) => {
      if (!isObject(m) || !ROLES.has(m.role as string)) fail(`messages[${j}].role must be user, assistant or system`);
      if (!nonEmpty((m as Record<string, unknown>).content)) fail(`messages[${j}].content must be a non-empty string`);
    });
    if (messages.at(-1).role !== 'user') fail('the last message must be from the user');
    const outcome = (side: 'strong' | 'weak'): ModelOutcome => {
      const o = value[side];
      if (!isObject(o)) return fail(`"${side}" must be an object`);
      if (!nonEmpty(o.model)) fail(`${side}.model must be a non-empty string`);
      if (typeof o.score !== 'number' || !(o.score >= 0 && o.score <= 1))
        fail(`${side}.score must be a number from 0 to 1`);
      const chars = o.output_chars ?? null;
      if (chars !== null && !(Number.isInteger(chars) && (chars as number) >= 0))
        fail(`${side}.output_chars must be null or a whole number ≥ 0`);
      return { model: o.model as string, score: o.score as number, output_chars: chars as number | null };
    };
    records.push({
      id: value.id as string,
      source: value.source as string,
      messages: messages as RoutingRecord['messages'],
      strong: outcome('strong'),
      weak: outcome('weak'),
    });
  }
  return records;
}

/** Loads and validates routing files; their records are pooled. */
export function loadRoutingRecords(files: string[]): RoutingRecord[] {
  return files.flatMap((file) => parseRoutingRecords(readFileSync(file, 'utf8'), file));
}

/** The record's conversation in the proxy's own message shape: what the router sees. */
export function chatMessagesOf(record: Pick<RoutingRecord, 'messages'>): ChatMessage[] {
  return record.messages.map((m) => ({ role: m.role, content: [{ type: 'text', text: m.content }] }));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}
