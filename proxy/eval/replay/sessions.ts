/**
 * @module The sessions a replay runs, turn by turn: SWE-agent traces and chats (shared/data/README.md) become the
 * requests their agent would have sent before each assistant message; recordings made by the proxy (proxy/record)
 * are parsed by the proxy's own API parsers, grouped by agent conversation and ordered by time.
 */
import { jsonlLines } from '../jsonl.ts';
import { readFileSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ChatMessage, ChatRequest, ToolDefinition } from '../../chat.ts';
import { parseMessagesRequest } from '../../api/anthropic/messages-request.ts';
import { parseChatCompletionRequest } from '../../api/openai/chat-request.ts';
import { parseResponsesRequest } from '../../api/openai/responses-request.ts';
import type { PipelineContext } from '../../pipeline.ts';
import { isRecordingLine, type RecordingLine } from '../../record/format.ts';
import { expandPath, loadDatasets, type ConversationRecord, type Rejection } from '../context-records.ts';
import { conversationRequest } from '../context-requests.ts';
import type { RecordedAnswer } from './simulated-providers.ts';

export interface ReplayTurn {
  request: ChatRequest;
  answer: RecordedAnswer;
  /** When it was sent, ms since the epoch (recordings); unset: one TURN_GAP_MS after the turn before. */
  time?: number;
  client: string;
  api: PipelineContext['api'];
  directives?: Pick<PipelineContext, 'cache' | 'trim' | 'route'>;
}

export interface ReplaySession {
  id: string;
  source: string;
  turns: ReplayTurn[];
}

/** SWE-agent's own default sampling: its models run at temperature 0. */
const SWE_AGENT_TEMPERATURE = 0;

/** The tool SWE-agent's trajectories call (every action is a shell command). */
const BASH_TOOL: ToolDefinition = {
  name: 'bash',
  description: 'Run a shell command in the repository and return its output.',
  parameters: {
    type: 'object',
    properties: { command: { type: 'string', description: 'The command to run.' } },
    required: ['command'],
  },
};

/** Each assistant message of a chat or trace as a turn: the request before it, answered by it. */
export function conversationTurns(record: ConversationRecord, model: string): ReplayTurn[] {
  const whole = conversationRequest(record);
  const tools = record.kind === 'traces' ? { tools: [BASH_TOOL], temperature: SWE_AGENT_TEMPERATURE } : {};
  const turns: ReplayTurn[] = [];
  whole.messages.forEach((message: ChatMessage, i) => {
    if (message.role !== 'assistant' || !whole.messages.slice(0, i).some((m) => m.role === 'user')) return;
    const text = message.content.map((p) => (p.type === 'text' ? p.text : '')).join('');
    turns.push({
      request: { model, stream: false, ...tools, messages: whole.messages.slice(0, i) },
      answer: {
        text,
        toolCalls: message.toolCalls ?? [],
        finishReason: message.toolCalls?.length ? 'tool_calls' : 'stop',
      },
      client: record.source,
      api: 'openai',
    });
  });
  return turns;
}

function parseRecorded(line: RecordingLine): ChatRequest {
  if (line.api === 'anthropic') return parseMessagesRequest(line.request, line.headers ?? {});
  if (line.api === 'responses') return parseResponsesRequest(line.request);
  return parseChatCompletionRequest(line.request);
}

/** The files a `--data` argument names: a file, a `*` pattern, or a folder of recordings. */
function filesOf(data: string): string[] {
  if (!data.includes('*') && statSync(data, { throwIfNoEntry: false })?.isDirectory()) {
    return readdirSync(data)
      .filter((name) => name.endsWith('.jsonl'))
      .sort()
      .map((name) => path.join(data, name));
  }
  return expandPath(data);
}

function isRecordingFile(file: string): boolean {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  try {
    return isRecordingLine(JSON.parse(first));
  } catch {
    return false;
  }
}

/** Recorded lines as sessions, one per agent conversation, turns in the order they were sent. */
function recordedSessions(files: string[], rejected: Rejection[]): ReplaySession[] {
  const sessions = new Map<string, ReplaySession>();
  for (const file of files) {
    for (const { line: at, text, value: line, error: invalid } of jsonlLines(readFileSync(file, 'utf8'))) {
      if (!text.trim()) continue;
      try {
        if (invalid !== undefined) throw new Error(invalid);
        if (!isRecordingLine(line)) throw new Error('not a Tokenwise recording line');
        const id = `${line.client}/${line.session}`;
        const session = sessions.get(id) ?? { id, source: 'tokenwise-record', turns: [] };
        sessions.set(id, session);
        session.turns.push({
          request: parseRecorded(line),
          answer: line.answer,
          time: line.time,
          client: line.client,
          api: line.api,
          ...(line.directives ? { directives: line.directives } : {}),
        });
      } catch (error) {
        rejected.push({ file, line: at, reason: (error as Error).message });
      }
    }
  }
  for (const session of sessions.values()) session.turns.sort((a, b) => a.time! - b.time!);
  return [...sessions.values()];
}

/**
 * Loads the sessions the `--data` arguments name. `model` is what traces and chats ask for (recordings ask for what
 * their client asked for).
 */
export function loadSessions(data: string[], model: string): { sessions: ReplaySession[]; rejected: Rejection[] } {
  const files = data.flatMap(filesOf);
  const recordings = files.filter(isRecordingFile);
  const rejected: Rejection[] = [];
  const sessions = recordedSessions(recordings, rejected);
  const others = files.filter((f) => !recordings.includes(f));
  if (others.length) {
    const loaded = loadDatasets(others);
    rejected.push(...loaded.rejected);
    for (const dataset of loaded.datasets) {
      for (const record of dataset.records) {
        if (record.kind === 'context') {
          rejected.push({
            file: dataset.name,
            line: 0,
            reason: `${record.id}: a context record is one question, not a session`,
          });
          continue;
        }
        sessions.push({ id: record.id, source: record.source, turns: conversationTurns(record, model) });
      }
    }
  }
  return { sessions: sessions.filter((s) => s.turns.length), rejected };
}
