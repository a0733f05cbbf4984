/**
 * @module What the routes need from a request and a response beyond node:http's own: the arrival time, the parsed
 * body, the path, the query, and a JSON reply. The routes run on an express Router mounted straight on node:http
 * (see app.ts), so express's request and response prototypes are not there; these few helpers replace them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ApiRequest extends IncomingMessage {
  /** `performance.now()` when the request arrived. */
  arrived: number;
  /** The parsed JSON body (POST routes). */
  body?: unknown;
}

/** The request's path and its query string (without the `?`). */
function splitUrl(req: IncomingMessage): [path: string, query: string] {
  const url = req.url ?? '/';
  const at = url.indexOf('?');
  return at < 0 ? [url, ''] : [url.slice(0, at), url.slice(at + 1)];
}

/** The request's path, without the query. */
export function pathOf(req: IncomingMessage): string {
  return splitUrl(req)[0];
}

/** The request's query parameters. */
export function queryOf(req: IncomingMessage): URLSearchParams {
  return new URLSearchParams(splitUrl(req)[1]);
}

/** Sends `body` as JSON, with its length, in one write. */
export function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  sendJsonText(res, JSON.stringify(body), status);
}

/** Sends text that already is JSON. */
export function sendJsonText(res: ServerResponse, text: string, status = 200): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
