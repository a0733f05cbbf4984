/**
 * @module Server-sent events on a Node response: headers that defeat proxy buffering, and one write per event so
 * each token reaches the caller as soon as it exists.
 */
import type { ServerResponse } from 'node:http';

/** Sends the SSE headers (once) with any extra headers set beforehand. */
export function startEventStream(res: ServerResponse): void {
  res.statusCode = 200;
  res.setHeader('content-type', 'text/event-stream; charset=utf-8');
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('connection', 'keep-alive');
  res.setHeader('x-accel-buffering', 'no');
  res.flushHeaders();
}

/** Writes one `data:` event (OpenAI framing). */
export function writeData(res: ServerResponse, data: unknown): void {
  res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

/** Writes one named event (Anthropic framing). */
export function writeEvent(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
