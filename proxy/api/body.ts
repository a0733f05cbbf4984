/**
 * @module Reads a POST's JSON body: all of it up to the configured limit, gzip / deflate / br bodies inflated
 * (counted after inflating, so a small bomb cannot grow past the limit), UTF-8 only; an empty body is `{}` and the
 * route says which field is missing. This replaces express.json on the request path: body-parser's generic
 * machinery (type matching, raw-body, iconv, on-finished) was ~6 % of the proxy's CPU per request in
 * `bench/profile-overhead.ts`, this is a fraction of that.
 */
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

/** Middleware: sets `req.body`, or passes a ProxyError in the caller's terms. */
export function jsonBody(limit: number) {
  return function readJsonBody(req: IncomingMessage, _res: ServerResponse, next: (error?: unknown) => void): void {
    let settled = false;
    const finish = (error?: ProxyError) => {
      if (settled) return;
      settled = true;
      next(error);
    };
    const tooLarge = () => new ProxyError('too_large', `request body is larger than the ${limit} bytes allowed (maxBodyBytes)`);

    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return finish(new ProxyError('invalid_request', `unsupported charset "${charset.toUpperCase()}": send the body as UTF-8`));
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    let source: Readable = req;
    if (encoding !== 'identity') {
      const inflate = inflaters[encoding];
      if (!inflate) return finish(new ProxyError('invalid_request', `unsupported content encoding "${encoding}" (expected gzip, deflate, br or none)`));
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
      const text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString('utf8');
      try {
        (req as ApiRequest).body = text.trim() === '' ? {} : JSON.parse(text);
      } catch (error) {
        return finish(new ProxyError('invalid_request', `request body is not valid JSON: ${(error as Error).message}`));
      }
      finish();
    });
    source.on('error', (error: Error) => finish(new ProxyError('invalid_request', source === req ? 'request aborted by the client' : `request body cannot be inflated as ${encoding}: ${error.message}`)));
    if (source !== req) req.on('error', () => finish(new ProxyError('invalid_request', 'request aborted by the client')));
  };
}
