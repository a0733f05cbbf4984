/**
 * @module The user's npm network settings, read the way npm reads the common ones, and HTTP GETs that honour them.
 * Sources, first wins: `npm_config_*` environment variables, then the user's `.npmrc` (`NPM_CONFIG_USERCONFIG` or
 * `~/.npmrc`); proxies also from `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`. Keys used: `registry`,
 * `@node-llama-cpp:registry`, `https-proxy`, `proxy`, `noproxy`, and `//host/path/:_authToken` for the registry.
 * An https registry behind a proxy is reached through a CONNECT tunnel; an http one with an absolute-URL request.
 */
import fs from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

export const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

export interface NpmNetwork {
  /** With a trailing slash. */
  registry: string;
  proxy?: string;
  noProxy: string[];
  authToken?: string;
}

/** `key=value` lines of an .npmrc, with `${VAR}` expanded; comments and blank lines skipped. */
export function parseNpmrc(text: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const values: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith(';') || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const value = line
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .replace(/\$\{([^}]+)\}/g, (_, name: string) => env[name] ?? '');
    values[line.slice(0, eq).trim()] = value;
  }
  return values;
}

/** The registry, proxy and token npm would use for `@node-llama-cpp/*` packages. */
export function readNpmNetwork(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): NpmNetwork {
  const file = env.npm_config_userconfig || env.NPM_CONFIG_USERCONFIG || path.join(home, '.npmrc');
  let npmrc: Record<string, string> = {};
  try {
    npmrc = parseNpmrc(fs.readFileSync(file, 'utf8'), env);
  } catch {
    // No .npmrc: npm's defaults.
  }
  const setting = (key: string) =>
    env[`npm_config_${key.replace(/-/g, '_')}`] ||
    env[`NPM_CONFIG_${key.replace(/-/g, '_').toUpperCase()}`] ||
    npmrc[key] ||
    undefined;
  const registry = (
    env['npm_config_@node-llama-cpp:registry'] ||
    npmrc['@node-llama-cpp:registry'] ||
    setting('registry') ||
    DEFAULT_REGISTRY
  ).replace(/\/?$/, '/');
  const proxyFor = registry.startsWith('https:')
    ? setting('https-proxy') ||
      env.HTTPS_PROXY ||
      env.https_proxy ||
      setting('proxy') ||
      env.HTTP_PROXY ||
      env.http_proxy
    : setting('proxy') || env.HTTP_PROXY || env.http_proxy;
  const noProxy = (setting('noproxy') || env.NO_PROXY || env.no_proxy || '').split(/[,\s]+/).filter(Boolean);
  const authKey = `//${registry.replace(/^https?:\/\//, '')}:_authToken`;
  return {
    registry,
    ...(proxyFor ? { proxy: proxyFor } : {}),
    noProxy,
    ...(npmrc[authKey] ? { authToken: npmrc[authKey] } : {}),
  };
}

/** Whether `host` is exempt from the proxy (`NO_PROXY` entries: exact host, `.suffix`, `*`). */
function bypassesProxy(host: string, noProxy: string[]): boolean {
  return noProxy.some(
    (entry) =>
      entry === '*' || host === entry.replace(/^\./, '') || host.endsWith(entry.startsWith('.') ? entry : `.${entry}`),
  );
}

const MAX_REDIRECTS = 5;

/** GETs `url` (following redirects) through the proxy the settings name; rejects on a non-200 status. */
export async function npmGet(
  url: string,
  network: NpmNetwork,
  signal?: AbortSignal,
  redirects = 0,
): Promise<IncomingMessage> {
  signal?.throwIfAborted();
  const target = new URL(url);
  const headers: Record<string, string> = { accept: '*/*', 'user-agent': 'tokenwise-vscode' };
  if (network.authToken && url.startsWith(network.registry)) headers.authorization = `Bearer ${network.authToken}`;
  const proxy = network.proxy && !bypassesProxy(target.hostname, network.noProxy) ? new URL(network.proxy) : undefined;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const done = (request: http.ClientRequest) => {
      request.on('response', resolve).on('error', reject);
      signal?.addEventListener('abort', () => request.destroy(signal.reason as Error), { once: true });
      request.end();
    };
    if (!proxy) return done((target.protocol === 'https:' ? https : http).request(target, { headers }));
    if (target.protocol === 'http:')
      return done(
        http.request({
          host: proxy.hostname,
          port: proxy.port || 80,
          path: url,
          headers: { ...headers, host: target.host },
        }),
      );
    const connect = http.request({
      host: proxy.hostname,
      port: proxy.port || 80,
      method: 'CONNECT',
      path: `${target.hostname}:${target.port || 443}`,
    });
    connect.on('connect', (answer, socket) => {
      if (answer.statusCode !== 200)
        return reject(
          new Error(`the proxy ${proxy.host} refused the tunnel to ${target.host} (HTTP ${answer.statusCode})`),
        );
      done(
        https.request(target, {
          headers,
          createConnection: () => tls.connect({ socket, servername: target.hostname }),
        }),
      );
    });
    connect.on('error', (error) => reject(new Error(`cannot reach the proxy ${proxy.host}: ${error.message}`)));
    connect.end();
  });
  const status = response.statusCode ?? 0;
  if ([301, 302, 303, 307, 308].includes(status) && response.headers.location && redirects < MAX_REDIRECTS) {
    response.resume();
    return npmGet(new URL(response.headers.location, url).href, network, signal, redirects + 1);
  }
  if (status !== 200) {
    response.resume();
    throw new Error(`GET ${url} answered HTTP ${status}`);
  }
  return response;
}
