/**
 * @module The context, chats and traces formats of the evaluation data (shared/data/README.md): loading, telling
 * them apart by their fields, and rejecting a record that breaks the format's rules, with its line number.
 */
import { jsonlLines, type JsonlLine } from './jsonl.ts';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface ContextRecord {
  kind: 'context';
  id: string;
  source: string;
  question: string;
  answers: string[];
  passages: { title: string; text: string; relevant: boolean }[];
}

export interface ConversationRecord {
  /** Traces are chats with tool output. */
  kind: 'chats' | 'traces';
  id: string;
  source: string;
  messages: { role: 'system' | 'user' | 'assistant' | 'tool'; content: string }[];
  probes?: { question: string; answer: string; evidence: number[] }[];
}

export type EvalRecord = ContextRecord | ConversationRecord;

export interface Rejection {
  file: string;
  line: number;
  reason: string;
}

export interface Dataset {
  /** The file name without `.dev.N.jsonl`: the parts of a split dataset share it. */
  name: string;
  records: EvalRecord[];
}

class Invalid extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || !value.trim()) throw new Invalid(`${field}: expected a non-empty string`);
  return value;
}

function list(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value) || !value.length) throw new Invalid(`${field}: expected a non-empty array`);
  return value;
}

function contextRecord(raw: Record<string, unknown>, id: string, source: string): ContextRecord {
  const passages = list(raw.passages, 'passages').map((p, i) => {
    if (!isObject(p)) throw new Invalid(`passages.${i}: expected an object`);
    if (typeof p.relevant !== 'boolean') throw new Invalid(`passages.${i}.relevant: expected true or false`);
    return {
      title: text(p.title, `passages.${i}.title`),
      text: text(p.text, `passages.${i}.text`),
      relevant: p.relevant,
    };
  });
  if (!passages.some((p) => p.relevant)) throw new Invalid('passages: no passage is marked relevant');
  const answers = list(raw.answers, 'answers').map((a, i) => text(a, `answers.${i}`));
  return { kind: 'context', id, source, question: text(raw.question, 'question'), answers, passages };
}

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

function conversationRecord(raw: Record<string, unknown>, id: string, source: string): ConversationRecord {
  const messages = list(raw.messages, 'messages').map((m, i) => {
    if (!isObject(m) || typeof m.role !== 'string' || !ROLES.has(m.role))
      throw new Invalid(`messages.${i}.role: expected system, user, assistant or tool`);
    return {
      role: m.role as ConversationRecord['messages'][number]['role'],
      content: text(m.content, `messages.${i}.content`),
    };
  });
  const kind = messages.some((m) => m.role === 'tool') ? 'traces' : 'chats';
  if (raw.probes === undefined) return { kind, id, source, messages };
  if (kind === 'traces') throw new Invalid('probes: traces have none');
  const probes = (Array.isArray(raw.probes) ? raw.probes : list(raw.probes, 'probes')).map((p, i) => {
    if (!isObject(p)) throw new Invalid(`probes.${i}: expected an object`);
    const evidence = list(p.evidence, `probes.${i}.evidence`).map((e, j) => {
      if (!Number.isInteger(e) || (e as number) < 0 || (e as number) >= messages.length)
        throw new Invalid(`probes.${i}.evidence.${j}: expected a message index below ${messages.length}`);
      return e as number;
    });
    return {
      question: text(p.question, `probes.${i}.question`),
      answer: text(p.answer, `probes.${i}.answer`),
      evidence,
    };
  });
  return { kind, id, source, messages, probes };
}

/** One parsed JSONL line as a record of whichever format its fields say. */
export function parseRecord({ value: raw, error }: Pick<JsonlLine, 'value' | 'error'>): EvalRecord {
  if (error !== undefined) throw new Invalid('not valid JSON');
  if (!isObject(raw)) throw new Invalid('expected a JSON object');
  const id = text(raw.id, 'id');
  const source = text(raw.source, 'source');
  if ('passages' in raw) return contextRecord(raw, id, source);
  if ('messages' in raw) return conversationRecord(raw, id, source);
  throw new Invalid('neither a context record (passages) nor a conversation (messages)');
}

/** The files a path names; `*` in the file name matches any run of characters (`squad.dev*.jsonl`). */
export function expandPath(file: string): string[] {
  const base = path.basename(file);
  if (!base.includes('*')) return [file];
  const pattern = new RegExp(
    `^${base
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  const dir = path.dirname(file);
  return readdirSync(dir)
    .filter((name) => pattern.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Loads files into datasets (split parts merged by name); bad records are left out and listed. */
export function loadDatasets(files: string[]): { datasets: Dataset[]; rejected: Rejection[] } {
  const byName = new Map<string, Dataset>();
  const rejected: Rejection[] = [];
  for (const file of files.flatMap(expandPath)) {
    const name = path.basename(file).replace(/(\.dev)?(\.\d+)?\.jsonl$/, '');
    const dataset = byName.get(name) ?? { name, records: [] };
    byName.set(name, dataset);
    const seen = new Set<string>();
    for (const line of jsonlLines(readFileSync(file, 'utf8'))) {
      if (!line.text.trim()) continue;
      try {
        const record = parseRecord(line);
        if (seen.has(record.id)) throw new Invalid(`id "${record.id}" appears twice`);
        seen.add(record.id);
        dataset.records.push(record);
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        rejected.push({ file, line: line.line, reason: error.message });
      }
    }
  }
  return { datasets: [...byName.values()], rejected };
}
