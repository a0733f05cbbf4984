/**
 * @module Talks to the proxy running on the configured host and port, if there is one: CLI commands prefer it so
 * they see what it holds in memory, and fall back to the data file when it is not running.
 */
import type { Config } from '../config/schema.ts';
import { resolveToken } from '../config/token.ts';

/** The running proxy's status and JSON body, or undefined when none answers within `timeoutMs`. */
export async function callRunningProxy<T>(
  config: Config,
  method: 'GET' | 'DELETE',
  route: string,
  timeoutMs = 2_000,
): Promise<{ status: number; body: T } | undefined> {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  try {
    const response = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${config.port}${route}`, {
      method,
      headers: { authorization: `Bearer ${resolveToken(config.token, config.dataDir)}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, body: (await response.json()) as T };
  } catch {
    return undefined;
  }
}

/** The JSON answer of the running proxy, or undefined when none answers. */
export async function askRunningProxy<T>(
  config: Config,
  method: 'GET' | 'DELETE',
  route: string,
): Promise<T | undefined> {
  const answer = await callRunningProxy<T>(config, method, route);
  return answer && answer.status >= 200 && answer.status < 300 ? answer.body : undefined;
}
