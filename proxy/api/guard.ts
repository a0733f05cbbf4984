/**
 * @module Local security. The proxy spends the developer's cloud credits, so: only loopback Host names (defeats
 * DNS rebinding), no browser calls from foreign origins (defeats CSRF from any web page), and the local token on
 * every /v1 call (defeats other local users and processes that do not have it).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ProxyError } from '../errors.ts';
import { printable } from '../printable.ts';

const loopbackNames = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export interface GuardOptions {
  token: string;
  allowedHosts: string[];
  allowedOrigins: string[];
}

function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return (colon >= 0 ? host.slice(0, colon) : host).toLowerCase();
}

/** Throws 403 unless the request came to a loopback (or allowed) Host from no browser page or an allowed one. */
export function checkOrigin(headers: IncomingHttpHeaders, options: GuardOptions): void {
  const host = headers.host;
  if (!host) throw new ProxyError('permission', 'missing Host header');
  const name = hostName(host);
  if (!loopbackNames.has(name) && !name.endsWith('.localhost') && !options.allowedHosts.includes(name)) {
    throw new ProxyError(
      'permission',
      `Host "${printable(name)}" is not allowed: the proxy answers loopback names only (add it to allowedHosts to change that)`,
    );
  }
  const origin = headers.origin;
  // `null` is what sandboxed iframes, file:// pages and some redirects send: a page we cannot name is not trusted.
  if (
    origin !== undefined &&
    !options.allowedOrigins.includes(origin) &&
    !isLoopbackOrigin(origin) &&
    !origin.startsWith('vscode-webview://')
  ) {
    throw new ProxyError(
      'permission',
      `browser requests from ${printable(origin)} are not allowed (add it to allowedOrigins to change that)`,
    );
  }
}

/** Headers a browser page may send to the proxy when its origin is in allowedOrigins. */
const CORS_REQUEST_HEADERS =
  'authorization, content-type, x-api-key, anthropic-version, anthropic-beta, x-tokenwise-cache, x-tokenwise-route, x-tokenwise-trim';

/**
 * CORS headers for a page in `allowedOrigins` (none for anyone else, loopback pages included: they may call, as
 * before, but only a listed origin may read the answer from a browser). A preflight needs no token: browsers never
 * send credentials on it.
 */
export function corsHeaders(
  headers: IncomingHttpHeaders,
  options: GuardOptions,
  preflight: boolean,
): Record<string, string> {
  const origin = headers.origin;
  if (origin === undefined || !options.allowedOrigins.includes(origin)) return {};
  const allowed: Record<string, string> = {
    'access-control-allow-origin': origin,
    vary: 'Origin',
    'access-control-expose-headers':
      'x-tokenwise-route, x-tokenwise-reason, x-tokenwise-cache, x-tokenwise-cost-usd, x-tokenwise-saved-usd, x-tokenwise-overhead-ms, retry-after',
  };
  if (!preflight) return allowed;
  return {
    ...allowed,
    'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
    'access-control-allow-headers': CORS_REQUEST_HEADERS,
    'access-control-max-age': '600',
  };
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return loopbackNames.has(url.hostname) || loopbackNames.has(`[${url.hostname}]`);
  } catch {
    return false;
  }
}

/** Throws 401 unless the local token came as `Authorization: Bearer …` or `x-api-key`. */
export function checkToken(headers: IncomingHttpHeaders, token: string): void {
  const bearer = headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  const given = bearer ?? (typeof headers['x-api-key'] === 'string' ? headers['x-api-key'].trim() : undefined);
  if (!given)
    throw new ProxyError(
      'authentication',
      'missing Tokenwise token: send it as "Authorization: Bearer <token>" or "x-api-key" (`tokenwise token` prints it)',
    );
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b))
    throw new ProxyError('authentication', 'invalid Tokenwise token');
}
