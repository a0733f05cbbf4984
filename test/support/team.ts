/**
 * Team-mode proxies for the Redis tests and bench: real proxies (test/support/proxy.ts) on one real redis-server.
 */
import { startTestProxy } from './proxy.ts';

export type TestProxy = Awaited<ReturnType<typeof startTestProxy>>;

/** Waits until the proxy's health reports `redis: want` (its connection is made in the background). */
export async function redisState(proxy: TestProxy, want: 'ok' | 'unavailable', timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = (await (await fetch(`${proxy.url}/tokenwise/health`)).json()) as { redis?: string };
    if (health.redis === want) return;
    if (Date.now() > deadline) throw new Error(`health still says redis: ${health.redis}, waited for ${want}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A proxy in team mode on `redisUrl`, its cloud at `cloudUrl`, acting for `owner`. The Redis timeout is raised from
 * the 50 ms default: on a shared 2-core machine a loaded event loop alone can pass 50 ms, which would turn a share
 * into a (correct, but here unwanted) local fallback.
 */
export async function startTeamProxy(options: {
  redisUrl: string;
  cloudUrl: string;
  owner: string;
  config?: Record<string, unknown>;
  log?: (line: string) => void;
  waitForRedis?: boolean;
}): Promise<TestProxy> {
  const { cache, redis, ...rest } = (options.config ?? {}) as {
    cache?: Record<string, unknown>;
    redis?: Record<string, unknown>;
  };
  const proxy = await startTestProxy({
    env: { OPENAI_BASE_URL: `${options.cloudUrl}/v1`, OPENAI_API_KEY: 'k', TOKENWISE_REDIS_URL: options.redisUrl },
    config: {
      tokenOwner: options.owner,
      router: { retries: 0 },
      cache: { ...cache },
      redis: { timeoutMs: 1000, ...redis },
      ...rest,
    },
    log: options.log,
  });
  if (options.waitForRedis !== false) await redisState(proxy, 'ok');
  return proxy;
}
