/**
 * @module The extension's calls to the proxy's control endpoints (health, usage totals, the answer cache), each with
 * a timeout so a wedged proxy never hangs the UI.
 */
import http from 'node:http';
import {
  isProxyHealth,
  ROUTES,
  type AuditReport,
  type ConversationsReply,
  type GroupBy,
  type ProxyHealth,
  type UsageSummary,
  type WhatIf,
} from '../shared/protocol.ts';

/**
 * What answers on a port: a Tokenwise proxy, another program, or nothing. Plain `node:http`, because the first
 * `fetch` loads undici (~10 ms of the extension host's thread) and this runs while VS Code starts.
 */
export function probeHealth(url: string, timeoutMs = 1500): Promise<ProxyHealth | 'other' | undefined> {
  return new Promise((resolve) => {
    const request = http.get(`${url}${ROUTES.health}`, { timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk.length + body.length <= 64_000 ? chunk : ''));
      response.on('end', () => {
        try {
          const parsed: unknown = JSON.parse(body);
          resolve(isProxyHealth(parsed) ? parsed : 'other');
        } catch {
          resolve('other');
        }
      });
      response.on('error', () => resolve('other'));
    });
    // Nothing listening (or nothing answering in time) is "nothing there".
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve(undefined));
  });
}

export class ProxyClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  usage(since: number, groupBy?: GroupBy): Promise<UsageSummary> {
    const query = new URLSearchParams({ since: String(since), ...(groupBy ? { groupBy } : {}) });
    return this.json<UsageSummary>('GET', `${ROUTES.usage}?${query}`);
  }

  /** The costliest agent conversations since `since`. */
  conversations(since: number): Promise<ConversationsReply> {
    return this.json<ConversationsReply>(
      'GET',
      `${ROUTES.conversations}?${new URLSearchParams({ since: String(since) })}`,
    );
  }

  /** What each switched-off lever would have saved on the last 7 days of recordings. */
  whatIf(): Promise<WhatIf> {
    return this.json<WhatIf>('GET', ROUTES.whatIf);
  }

  /** What the quality audit found for the local model in use. */
  audit(): Promise<AuditReport> {
    return this.json<AuditReport>('GET', ROUTES.audit);
  }

  clearCache(): Promise<{ cleared: number }> {
    return this.json('DELETE', ROUTES.cache);
  }

  /** The live feed (SSE); replays what came after `lastEventId`. */
  events(lastEventId: number, signal: AbortSignal): Promise<Response> {
    return fetch(`${this.url}${ROUTES.events}`, {
      headers: { ...this.auth(), 'last-event-id': String(lastEventId) },
      signal,
    });
  }

  private async json<T>(method: 'GET' | 'DELETE', route: string): Promise<T> {
    const response = await fetch(`${this.url}${route}`, {
      method,
      headers: this.auth(),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok)
      throw new Error(`${method} ${route}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`);
    return (await response.json()) as T;
  }

  private auth(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }
}
