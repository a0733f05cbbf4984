// Shared plumbing for the fake cloud providers (fake-openai.ts, fake-anthropic.ts):
// the loopback server, request recording, behaviour switching, abort accounting,
// SSE writing and the deterministic "model" (echo, token counts, max_tokens/stop).
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface RecordedRequest {
  method: string;
  /** Raw request URL including any query string (e.g. "/v1/messages?beta=true"). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; the raw string if it was not JSON; undefined if empty. */
  body: any;
}

/** Optional pacing shared by the answering behaviours. */
export interface Timing {
  /** Wait this long before sending anything (time to first byte). */
  delayMs?: number;
  /** Wait this long between stream frames. */
  chunkDelayMs?: number;
}

/** U is the provider's usage-override shape (see each fake). */
export type Behaviour<U = Record<string, number>> =
  | ({ kind: 'echo'; usage?: U } & Timing)
  | ({ kind: 'text'; text: string; usage?: U } & Timing)
  // `text` (optional) is a preamble the assistant says before the tool call, as Claude often does.
  | ({ kind: 'tool_call'; name: string; arguments: object; text?: string; usage?: U } & Timing)
  // `code` is only used by the OpenAI fake (error.code).
  | { kind: 'error'; status: number; type?: string; message?: string; code?: string | null; retryAfter?: number }
  | { kind: 'die_mid_stream'; afterChunks: number }
  | { kind: 'hang' }
  | RawFault;

/**
 * A fault the real cloud might send, as raw bytes: `body` after the status line and headers, then `then`: end the
 * response (default), stall with the socket open, or repeat a frame every few ms until the client leaves.
 */
export interface RawFault {
  kind: 'raw';
  status?: number;
  contentType?: string;
  body: string;
  then?: 'end' | 'stall' | { repeat: string; everyMs: number };
}

/** Serves a RawFault (garbage SSE, a body that is not JSON, headers then silence, a stream that never ends). */
export async function serveRaw(ctx: Ctx<unknown>, fault: RawFault): Promise<void> {
  const { res } = ctx;
  res.writeHead(fault.status ?? 200, { 'content-type': fault.contentType ?? 'application/json' });
  res.flushHeaders();
  if (fault.body) res.write(fault.body);
  const then = fault.then ?? 'end';
  if (then === 'end') return void res.end();
  if (then === 'stall') return;
  while (!res.destroyed) {
    await sleep(then.everyMs);
    if (!res.destroyed) res.write(then.repeat);
  }
}

export type BehaviourSource<B> = B | ((req: RecordedRequest) => B);

export interface FakeCloud<B = Behaviour> {
  url: string;
  requests: RecordedRequest[];
  /** Completion/messages calls received (every hit on that endpoint, valid or not). */
  calls: number;
  /** Requests whose connection closed before we finished the response (client aborts). */
  aborted: number;
  /** Behaviour for subsequent calls; a function is consulted per call (fake.calls is already incremented). */
  behave(next: BehaviourSource<B>): void;
  close(): Promise<void>;
}

/** Per-request context handed to a provider's router. */
export interface Ctx<B> {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  rec: RecordedRequest;
  /** Pathname without query string. */
  pathname: string;
  /** Count this request as a completion call. */
  countCall(): void;
  /** Resolve the current behaviour for this request. */
  behaviour(): B;
  /** Destroy the socket on purpose (so it is not counted as a client abort). */
  kill(): void;
}

export type Router<B> = (ctx: Ctx<B>) => Promise<void> | void;

/** Start a loopback server on 127.0.0.1:0 with recording and abort accounting around `route`. */
export async function startFakeServer<B>(route: Router<B>, defaultBehaviour: B): Promise<FakeCloud<B>> {
  let source: BehaviourSource<B> = defaultBehaviour;
  let closing = false;

  const server = http.createServer(async (req, res) => {
    let killedByUs = false;
    // 'close' fires for every response; only an unfinished one that we didn't kill is a client abort.
    res.on('close', () => {
      if (!res.writableFinished && !killedByUs && !closing) fake.aborted++;
    });
    const raw = await readBody(req);
    const rec: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: { ...req.headers },
      body: parseBody(raw),
    };
    fake.requests.push(rec);

    const ctx: Ctx<B> = {
      req,
      res,
      rec,
      pathname: new URL(req.url ?? '/', 'http://x').pathname,
      countCall: () => void fake.calls++,
      behaviour: () => (typeof source === 'function' ? (source as (r: RecordedRequest) => B)(rec) : source),
      kill: () => {
        killedByUs = true;
        req.socket.destroy();
      },
    };
    try {
      await route(ctx);
    } catch (err) {
      // A bug in the fake should surface loudly, not as a hung test.
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake server bug: ${(err as Error).stack}`);
      } else res.destroy();
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeCloud<B> = {
    url: `http://127.0.0.1:${port}`,
    requests: [],
    calls: 0,
    aborted: 0,
    behave(next) {
      source = next;
    },
    close() {
      closing = true;
      // Hanging requests and keep-alive sockets would otherwise hold close() open.
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
  return fake;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseBody(raw: string): any {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), ...headers });
  res.end(json);
}

/**
 * Writes SSE frames one at a time, honouring chunkDelayMs, stopping quietly if the
 * client went away, and killing the socket after `dieAfter` frames (die_mid_stream).
 * Each write is awaited so bytes are on the wire before a deliberate kill.
 */
export class SseWriter {
  private sent = 0;
  constructor(
    private ctx: Ctx<unknown>,
    private opts: { chunkDelayMs?: number; dieAfter?: number } = {},
  ) {}

  /** Send headers. Returns false if we already died (die_mid_stream with afterChunks 0). */
  async open(headers: Record<string, string>): Promise<boolean> {
    this.ctx.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...headers,
    });
    this.ctx.res.flushHeaders();
    return this.checkDeath();
  }

  /** Write one raw frame (already formatted). Returns false once the stream is dead. */
  async frame(text: string): Promise<boolean> {
    const { res } = this.ctx;
    if (res.destroyed) return false;
    if (this.sent > 0 && this.opts.chunkDelayMs) await sleep(this.opts.chunkDelayMs);
    if (res.destroyed) return false;
    await new Promise<void>((resolve) => res.write(text, () => resolve()));
    this.sent++;
    return this.checkDeath();
  }

  end(): void {
    if (!this.ctx.res.destroyed) this.ctx.res.end();
  }

  private checkDeath(): boolean {
    if (this.opts.dieAfter !== undefined && this.sent >= this.opts.dieAfter) {
      this.ctx.kill();
      return false;
    }
    return !this.ctx.res.destroyed;
  }
}

/** The whole events of an SSE body as the proxy sent it (a frame cut before its blank line is not an event). */
export function sseEventsOf(text: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  createParser({ onEvent: (event) => void events.push(event) }).feed(text);
  return events;
}

/** The JSON payloads of an SSE body, in order, without OpenAI's closing `[DONE]`. */
export function sseJsonOf(text: string): any[] {
  return sseEventsOf(text)
    .filter((e) => e.data !== '[DONE]')
    .map((e) => JSON.parse(e.data));
}

/** Resolve after ms; a no-op for 0/undefined so undelayed paths stay synchronous-ish. */
export function sleep(ms?: number): Promise<void> {
  return ms ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

/** Our deterministic token approximation: ~4 characters per token. */
export function approxTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Split text into pieces of `size` chars (stream deltas). Empty text yields no pieces. */
export function chunk(text: string, size = 4): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Random id in the providers' style, e.g. id("chatcmpl-", 29). */
export function randomId(prefix: string, length = 24): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let s = prefix;
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

/**
 * Text of a message's content in either provider's shape: a string, or an array of
 * parts where text parts are {type:"text", text}. Other parts (images, tool results) are skipped.
 */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((p) => p && typeof p === 'object' && p.type === 'text' && typeof p.text === 'string')
    .map((p) => p.text as string)
    .join('\n');
}

/** Text of the last user message that has any text (skips tool-result-only turns). */
export function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== 'user') continue;
    const text = contentText(m.content);
    if (text) return text;
  }
  return '';
}

export type Cut = { text: string; reason: 'natural' | 'length' | 'stop'; stop?: string };

/**
 * Apply a stop list and a token budget to an answer the way a model would: whichever
 * comes first in the text wins. The stop string itself is not included.
 */
export function applyLimits(text: string, maxTokens: number | undefined, stops: string[]): Cut {
  let stopAt = -1;
  let stop: string | undefined;
  for (const s of stops) {
    const i = s ? text.indexOf(s) : -1;
    if (i >= 0 && (stopAt < 0 || i < stopAt)) [stopAt, stop] = [i, s];
  }
  const limitChars = typeof maxTokens === 'number' ? maxTokens * 4 : Infinity;
  const naturalEnd = stopAt >= 0 ? stopAt : text.length;
  if (limitChars < naturalEnd) return { text: text.slice(0, limitChars), reason: 'length' };
  if (stopAt >= 0) return { text: text.slice(0, stopAt), reason: 'stop', stop };
  return { text, reason: 'natural' };
}
