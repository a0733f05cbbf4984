/**
 * @module What every cloud provider shares: a name, a base URL and key, the models it lists, and one way to call
 * it. The OpenAI and Anthropic providers differ only in their wire formats.
 */
import type { IncomingMessage } from 'node:http';
import type { ChatChunk, ChatRequest } from '../chat.ts';
import type { Provider, ProviderHealth, ProviderKind } from './provider.ts';
import { postJson } from './upstream.ts';

export interface CloudProviderOptions {
  name: string;
  baseUrl: string;
  apiKey?: string;
  /** Extra headers sent on every call (e.g. OpenRouter's HTTP-Referer). */
  headers?: Record<string, string>;
  models: string[];
  timeoutMs: number;
  idleTimeoutMs: number;
}

export abstract class CloudProvider<Options extends CloudProviderOptions = CloudProviderOptions> implements Provider {
  abstract readonly kind: ProviderKind;
  readonly name: string;

  constructor(protected readonly options: Options) {
    this.name = options.name;
  }

  models(): string[] {
    return this.options.models;
  }

  /** Cloud providers are assumed up; a failing call says otherwise, per request. */
  health(): ProviderHealth {
    return { state: 'ready' };
  }

  abstract chat(request: ChatRequest, model: string, signal: AbortSignal): AsyncIterable<ChatChunk>;

  /** POSTs a JSON body to `path` under the base URL; `auth` headers go only when there is a key. */
  protected post(
    path: string,
    body: unknown,
    signal: AbortSignal,
    auth: Record<string, string>,
    always: Record<string, string> = {},
  ): Promise<IncomingMessage> {
    return postJson({
      provider: this.name,
      url: `${this.options.baseUrl.replace(/\/+$/, '')}${path}`,
      headers: { ...(this.options.apiKey ? auth : {}), ...always, ...this.options.headers },
      body,
      signal,
      timeoutMs: this.options.timeoutMs,
      idleTimeoutMs: this.options.idleTimeoutMs,
    });
  }
}
