/**
 * @module HTTP to cloud upstreams: pooled keep-alive connections, abort on caller disconnect, a deadline for the
 * first byte and an idle limit inside streams, and upstream errors turned into ProxyErrors in plain words.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { createParser } from 'eventsource-parser';
import { kindForUpstreamStatus, ProxyError } from '../errors.ts';

// One pool per process: reusing TLS connections saves a handshake (tens of ms) on every cloud call.
const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

export interface UpstreamCall {
  provider: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal;
  timeoutMs: number;
  /** Longest silence allowed once the answer began (streams set their own, the same, limit). */
  idleTimeoutMs: number;
}

/** POSTs JSON; resolves once the status line arrives; throws ProxyError for non-2xx (body read for its message). */
export function postJson(call: UpstreamCall): Promise<IncomingMessage> {
  return send(call, Buffer.from(JSON.stringify(call.body)), true);
}

interface Target {
  origin: string;
  request: typeof http.request;
  options: http.RequestOptions;
}

// A provider calls the same few URLs all day: parse each once, not on every request.
const targets = new Map<string, Target>();
function targetOf(href: string): Target {
  let target = targets.get(href);
  if (!target) {
    const url = new URL(href);
    const secure = url.protocol === 'https:';
    target = {
      origin: url.origin,
      request: secure ? https.request : http.request,
      options: {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || (secure ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        agent: secure ? agents.https : agents.http,
        ...(url.username ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` } : {}),
      },
    };
    targets.set(href, target);
  }
  return target;
}

function send(call: UpstreamCall, payload: Buffer, mayRetry: boolean): Promise<IncomingMessage> {
  const target = targetOf(call.url);
  return new Promise((resolve, reject) => {
    const request = target.request({
      ...target.options,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'content-length': payload.length,
        ...call.headers,
      },
      signal: call.signal,
    });
    const deadline = setTimeout(
      () => request.destroy(new ProxyError('timeout', `${call.provider} did not answer within ${call.timeoutMs} ms`)),
      call.timeoutMs,
    );
    request.on('response', (response) => {
      clearTimeout(deadline);
      // Headers then silence must not hold the caller for good: a JSON body has the same idle limit as a stream.
      response.setTimeout(call.idleTimeoutMs, () =>
        response.destroy(
          new ProxyError('timeout', `${call.provider} went quiet for ${call.idleTimeoutMs} ms mid-response`),
        ),
      );
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) return resolve(response);
      readText(response).then((text) => reject(upstreamError(call.provider, status, response.headers, text)), reject);
    });
    request.on('error', (error) => {
      clearTimeout(deadline);
      if (error instanceof ProxyError) return reject(error);
      if (call.signal.aborted)
        return reject(new ProxyError('invalid_request', 'request aborted by the client', { status: 499 }));
      // A pooled socket the upstream closed while idle fails at once with ECONNRESET; nothing was processed, so one
      // retry on a fresh socket is safe.
      if (mayRetry && request.reusedSocket && (error as NodeJS.ErrnoException).code === 'ECONNRESET')
        return resolve(send(call, payload, false));
      reject(
        new ProxyError(
          'upstream',
          `cannot reach ${call.provider} at ${target.origin}: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
        ),
      );
    });
    request.end(payload);
  });
}

/** The whole body as text (listeners, not an async iterator: this runs on every JSON answer). */
export function readText(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    response.on('data', (part: Buffer) => parts.push(part));
    response.on('end', () => resolve((parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString('utf8')));
    response.on('error', reject);
    // A socket closed before the body ended emits 'aborted'/'close' without 'end'.
    response.on('close', () => {
      if (!response.complete) reject(new Error('aborted'));
    });
  });
}

/** Reads a JSON body, failing clearly if the upstream dies mid-body or sends something else. */
export async function readJson(provider: string, response: IncomingMessage): Promise<Record<string, unknown>> {
  return (await readJsonText(provider, response)).json;
}

/** readJson, keeping the text as it came too. */
export async function readJsonText(
  provider: string,
  response: IncomingMessage,
): Promise<{ json: Record<string, unknown>; text: string }> {
  let text: string;
  try {
    text = await readText(response);
  } catch (error) {
    if (error instanceof ProxyError) throw error;
    throw new ProxyError('upstream', `${provider} closed the connection mid-response (${(error as Error).message})`);
  }
  try {
    return { json: JSON.parse(text) as Record<string, unknown>, text };
  } catch {
    throw new ProxyError('upstream', `${provider} sent a response that is not JSON`);
  }
}

/** The message of an upstream error body, in either API's shape, with status and retry-after carried over. */
export function upstreamError(
  provider: string,
  status: number,
  headers: IncomingMessage['headers'],
  text: string,
): ProxyError {
  let message = text.slice(0, 500);
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    message = (typeof body.error === 'string' ? body.error : body.error?.message) ?? body.message ?? message;
  } catch {
    // not JSON: keep the text
  }
  const retryAfter = Number(headers['retry-after']);
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined;
  // The upstream rejecting *our* key is a proxy configuration problem, not the caller's token: never a 401 to them.
  if (status === 401 || status === 403)
    return new ProxyError('upstream', `${provider} rejected the configured API key (${status}): ${message}`, {
      code: 'upstream_auth',
    });
  return new ProxyError(kindForUpstreamStatus(status), `${provider}: ${message}`, {
    status: kindForUpstreamStatus(status) === 'upstream' ? 502 : undefined,
    retryAfterSeconds,
  });
}

export interface SseEvent {
  event?: string;
  data: string;
}

/** The event each API ends a stream with. */
const LAST_EVENTS = new Set(['message_stop', 'response.completed']);

/**
 * Parses an SSE body into events as they arrive; a socket that dies or goes quiet too long throws. A consumer that
 * stops right after the stream's last event (`[DONE]`, `message_stop`, `response.completed`) leaves the rest of the
 * body (the chunked terminator) to drain, so the pooled connection is kept: destroying it would cost a new connection
 * — and, to a real cloud, a TLS handshake — on every streamed request. One that stops earlier still cuts the upstream.
 */
export async function* sseEvents(
  provider: string,
  response: IncomingMessage,
  idleTimeoutMs: number,
): AsyncGenerator<SseEvent> {
  response.setEncoding('utf8');
  response.setTimeout(idleTimeoutMs, () =>
    response.destroy(new ProxyError('timeout', `${provider} stream went quiet for ${idleTimeoutMs} ms`)),
  );
  const ready: SseEvent[] = [];
  const parser = createParser({ onEvent: ({ event, data }) => void ready.push({ event, data }) });
  let last: SseEvent | undefined;
  try {
    for await (const text of response.iterator({ destroyOnReturn: false }) as AsyncIterable<string>) {
      parser.feed(text);
      for (const event of ready.splice(0)) yield (last = event);
    }
  } catch (error) {
    if (error instanceof ProxyError) throw error;
    throw new ProxyError('upstream', `${provider} stream was cut mid-way (${(error as Error).message})`);
  } finally {
    if (!response.complete && !response.destroyed) {
      if (last && (last.data === '[DONE]' || LAST_EVENTS.has(last.event ?? ''))) response.resume();
      else response.destroy();
    }
  }
  if (!response.complete) throw new ProxyError('upstream', `${provider} stream was cut mid-way`);
}
