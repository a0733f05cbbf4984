/**
 * The chaos suite's harness: both loopback clouds, a proxy in front of them with short timeouts and no retries (so
 * each fault reaches the caller as itself), and readers for what the caller saw and what the ledger kept.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeAnthropic } from '../../support/fake-anthropic.ts';
import { startFakeOpenAI } from '../../support/fake-openai.ts';
import { startTestProxy, TEST_TOKEN } from '../../support/proxy.ts';
import { sseEventsOf } from '../../support/sse.ts';

export type LedgerRow = {
  id: number;
  api: string;
  status: number;
  error: string | null;
  cache: string;
  input_tokens: number;
  output_tokens: number;
  tokens_estimated: number;
  cost_usd: number | null;
  model_asked: string;
};

export async function startChaos(config: Record<string, unknown> = {}) {
  const openai = await startFakeOpenAI();
  const anthropic = await startFakeAnthropic();
  const tw = await startTestProxy({
    config: {
      router: { retries: 0, lastResortLocal: false },
      upstream: { timeoutMs: 1_000, idleTimeoutMs: 1_000 },
      cache: { exact: { mode: 'always' } },
      ...config,
    },
    env: {
      OPENAI_BASE_URL: `${openai.url}/v1`,
      OPENAI_API_KEY: 'sk-upstream-secret',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_API_KEY: 'sk-ant-upstream-secret',
    },
  });
  return {
    openai,
    anthropic,
    tw,
    /** Every ledger record so far (the recorder drained and committed first). */
    ledger(): LedgerRow[] {
      tw.proxy.usage.flush();
      return tw.proxy.usage.ledger.db.all('SELECT * FROM requests ORDER BY id') as LedgerRow[];
    },
    /**
     * The ledger once it holds `count` records, or after 10 s (a cut answer's tokens are counted before its record
     * is written), and a short while longer so that a duplicate record would show.
     */
    async settledLedger(count: number): Promise<LedgerRow[]> {
      for (let waited = 0; waited < 10_000 && this.ledger().length < count; waited += 20) await sleep(20);
      await sleep(50);
      return this.ledger();
    },
    async close() {
      await tw.close();
      await openai.close();
      await anthropic.close();
    },
  };
}

export type Chaos = Awaited<ReturnType<typeof startChaos>>;

/** A request in either API's shape, streamed or not. */
export function ask(api: 'openai' | 'anthropic', content: string, stream: boolean) {
  const model = api === 'openai' ? 'gpt-4o-mini' : 'claude-haiku-4-5';
  return {
    route: api === 'openai' ? '/v1/chat/completions' : '/v1/messages',
    body: { model, max_tokens: 50, temperature: 0, stream, messages: [{ role: 'user', content }] },
  };
}

/** POSTs and reads the whole answer as text (an SSE body included), however it ends. */
export async function call(chaos: Chaos, api: 'openai' | 'anthropic', content: string, stream: boolean) {
  const { route, body } = ask(api, content, stream);
  const response = await chaos.tw.fetch(route, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { authorization: `Bearer ${TEST_TOKEN}` },
  });
  let text = '';
  try {
    text = await response.text();
  } catch (error) {
    text += `\n<connection error: ${(error as Error).message}>`;
  }
  return { status: response.status, headers: response.headers, text };
}

/** Whether an SSE body ended the way a finished answer does in that API. */
export function endedCleanly(api: 'openai' | 'anthropic', text: string): boolean {
  const last = sseEventsOf(text).at(-1);
  return api === 'openai' ? last?.data === '[DONE]' : last?.event === 'message_stop';
}

/** Whether an SSE body carries that API's error event. */
export function hasErrorEvent(api: 'openai' | 'anthropic', text: string): boolean {
  return sseEventsOf(text).some((e) =>
    api === 'openai'
      ? e.event === undefined && e.data.startsWith('{"error":{')
      : e.event === 'error' && e.data.startsWith('{"type":"error","error":{'),
  );
}
