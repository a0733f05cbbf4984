/**
 * @module Records sessions through the proxy (config `record.dir`, or the request header `x-tokenwise-record: on`):
 * each finished request becomes one line of its agent conversation's JSONL file, in the format replay reads
 * (format.ts), secrets redacted. A request that failed or was left half-way is not recorded.
 *
 * @example
 * const take = recorder.begin({ api: 'anthropic', request, headers: req.headers, client: 'claude-code' });
 * for await (const chunk of chunks) take?.observe(chunk);
 * take?.finish({ route: 'cloud', model: 'claude-sonnet-4-5', cache: 'miss' });
 */
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingHttpHeaders } from 'node:http';
import type { ChatChunk, ChatRequest, ToolCall } from '../chat.ts';
import { badRequest } from '../errors.ts';
import { sessionId } from '../router/index.ts';
import { RECORDING_VERSION, type RecordingLine } from './format.ts';
import { redact } from './redact.ts';
import { wireOf } from '../wire.ts';

export interface RecorderOptions {
  /** Record every request here; unset: only requests that ask, into `fallbackDir`. */
  dir?: string;
  fallbackDir: string;
  /** Values never to write: the proxy's token, the providers' keys. */
  secrets: string[];
  log?: (line: string) => void;
}

/** One request being recorded. */
export interface Take {
  observe(chunk: ChatChunk): void;
  /** Writes the line once the answer is complete (a `done` chunk was seen). */
  finish(outcome: Pick<RecordingLine, 'route' | 'model' | 'cache'>): void;
}

/** Per-request switch: `on` records this request, `off` keeps it out of a configured recording. */
function recordHeader(value: string | string[] | undefined): 'on' | 'off' | undefined {
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'off') return value;
  throw badRequest(`x-tokenwise-record: expected "on" or "off", got "${String(value)}"`, 'x-tokenwise-record');
}

const fileSafe = (text: string) => text.replace(/[^\w.-]+/g, '_').slice(0, 80);

function directivesOf(headers: IncomingHttpHeaders): RecordingLine['directives'] {
  const out: NonNullable<RecordingLine['directives']> = {};
  const cache = headers['x-tokenwise-cache'];
  if (cache === 'off' || cache === 'refresh') out.cache = cache;
  if (headers['x-tokenwise-trim'] === 'off') out.trim = 'off';
  const route = headers['x-tokenwise-route'];
  if (route === 'local' || route === 'cloud') out.route = route;
  return Object.keys(out).length ? out : undefined;
}

export class SessionRecorder {
  constructor(private readonly options: RecorderOptions) {}

  /** Starts recording a request when the config or its header says so; undefined otherwise. */
  begin(input: {
    api: RecordingLine['api'];
    request: ChatRequest;
    headers: IncomingHttpHeaders;
    client: string;
  }): Take | undefined {
    const asked = recordHeader(input.headers['x-tokenwise-record']);
    const dir =
      asked === 'off' ? undefined : (this.options.dir ?? (asked === 'on' ? this.options.fallbackDir : undefined));
    const wire = wireOf(input.request);
    if (!dir || !wire) return undefined;
    const { api, request, client } = input;
    const time = Date.now();
    const session = sessionId(request);
    let text = '';
    const toolCalls: ToolCall[] = [];
    const items: Record<string, unknown>[] = [];
    let done: Extract<ChatChunk, { type: 'done' }> | undefined;
    const secrets = this.options.secrets;
    return {
      observe(chunk) {
        if (chunk.type === 'text') text += chunk.text;
        else if (chunk.type === 'tool_call') toolCalls[chunk.index] = { id: chunk.id, name: chunk.name, arguments: '' };
        else if (chunk.type === 'tool_arguments') toolCalls[chunk.index]!.arguments += chunk.arguments;
        else if (chunk.type === 'item') items.push(chunk.item);
        else if (chunk.type === 'done') done = chunk;
      },
      finish: (outcome) => {
        if (!done) return;
        const line: RecordingLine = {
          v: RECORDING_VERSION,
          session,
          client,
          api,
          time,
          request: redact(wire.body, secrets),
          ...(wire.headers ? { headers: redact(wire.headers, secrets) } : {}),
          ...(directivesOf(input.headers) ? { directives: directivesOf(input.headers) } : {}),
          answer: redact(
            {
              text,
              toolCalls,
              ...(items.length ? { items } : {}),
              finishReason: done.finishReason,
              outputTokens: done.usage.outputTokens,
            },
            secrets,
          ),
          ...outcome,
          usage: done.usage,
        };
        this.write(path.join(dir, `${fileSafe(client)}-${fileSafe(session)}.jsonl`), line);
      },
    };
  }

  private write(file: string, line: RecordingLine): void {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      // One appended line per request: a line is whole or absent, whatever happens to the process.
      fs.appendFileSync(file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    } catch (error) {
      this.options.log?.(`recording to ${file} failed: ${(error as Error).message}`);
    }
  }
}
