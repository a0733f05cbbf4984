/**
 * @module Reads a POST's JSON body: all of it up to the configured limit, gzip / deflate / br bodies inflated
 * (counted after inflating, so a small bomb cannot grow past the limit), UTF-8 only; an empty body is `{}` and the
 * route says which field is missing. This replaces express.json on the request path: body-parser's generic
 * machinery (type matching, raw-body, iconv, on-finished) was ~6 % of the proxy's CPU per request in
 * `bench/profile-overhead.ts`, this is a fraction of that.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { ProxyError } from '../errors.ts';
import type { ApiRequest } from './reply.ts';

const inflaters: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/**
 * Arrays and objects nested deeper than this are refused: the routes, the cache key and the translators walk the
 * body recursively, and a 10,000-deep `[[[…]]]` would overflow the stack there (a 500). Real tool schemas nest a
 * dozen levels.
 */
export const MAX_JSON_DEPTH = 128;

/** Whether JSON text nests arrays and objects deeper than `limit` (strings skipped, so brackets in text are free). */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Jump to the closing quote: one not preceded by an odd number of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i < 0) return false;
        let slashes = 0;
        while (text.charCodeAt(i - 1 - slashes) === 0x5c) slashes++;
        if (slashes % 2 === 0) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Middleware: sets `req.body`, or passes a ProxyError in the caller's terms. */
export function jsonBody(limit: number) {
  return function readJsonBody(req: IncomingMessage, _res: ServerResponse, next: (error?: unknown) => void): void {
    let settled = false;
    const finish = (error?: ProxyError) => {
      if (settled) return;
      settled = true;
      next(error);
    };
    const tooLarge = () =>
      new ProxyError('too_large', `request body is larger than the ${limit} bytes allowed (maxBodyBytes)`);

    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
      return finish(
        new ProxyError('invalid_request', `unsupported charset "${charset.toUpperCase()}": send the body as UTF-8`),
      );
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    let source: Readable = req;
    if (encoding !== 'identity') {
      const inflate = inflaters[encoding];
      if (!inflate)
        return finish(
          new ProxyError(
            'invalid_request',
            `unsupported content encoding "${encoding}" (expected gzip, deflate, br or none)`,
          ),
        );
      source = req.pipe(inflate());
    } else if (Number(req.headers['content-length']) > limit) {
      // Said up front: no need to read it. The rest of the body is discarded by Node when the answer is sent.
      return finish(tooLarge());
    }

    const parts: Buffer[] = [];
    let size = 0;
    source.on('data', (part: Buffer) => {
      if (settled) return;
      size += part.length;
      if (size > limit) {
        if (source !== req) source.destroy();
        return finish(tooLarge());
      }
      parts.push(part);
    });
    source.on('end', () => {
      if (settled) return;
      const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      // Decoding would replace bad bytes with U+FFFD silently: the caller would be billed for text they did not send.
      if (!isUtf8(bytes)) return finish(new ProxyError('invalid_request', 'request body is not valid UTF-8'));
      const text = bytes.toString('utf8');
      if (nestsDeeperThan(text, MAX_JSON_DEPTH))
        return finish(
          new ProxyError(
            'invalid_request',
            `request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
          ),
        );
      try {
        (req as ApiRequest).body = text.trim() === '' ? {} : JSON.parse(text);
      } catch (error) {
        return finish(new ProxyError('invalid_request', `request body is not valid JSON: ${(error as Error).message}`));
      }
      finish();
    });
    source.on('error', (error: Error) =>
      finish(
        new ProxyError(
          'invalid_request',
          source === req
            ? 'request aborted by the client'
            : `request body cannot be inflated as ${encoding}: ${error.message}`,
        ),
      ),
    );
    if (source !== req)
      req.on('error', () => finish(new ProxyError('invalid_request', 'request aborted by the client')));
  };
}
