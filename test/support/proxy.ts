/**
 * Starts a real proxy on an ephemeral loopback port, wired to the fake clouds, with the official SDKs pointed at it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { loadConfig } from '../../proxy/config/load.ts';
import { startProxy, type ProxyOptions } from '../../proxy/server.ts';

export const TEST_TOKEN = 'test-token-123';

export interface TestProxyOptions extends ProxyOptions {
  env?: NodeJS.ProcessEnv;
  flags?: Record<string, string | boolean>;
  /** Written as the proxy's config file. */
  config?: Record<string, unknown>;
  /** An existing data directory to open (a restart); it is left in place on close. Default: a fresh temporary one. */
  dataDir?: string;
}

export async function startTestProxy({
  env = {},
  flags = {},
  config: file,
  dataDir: existing,
  ...options
}: TestProxyOptions = {}) {
  const dataDir = existing ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-test-'));
  if (file) fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify(file));
  const fullEnv = {
    TOKENWISE_PORT: '0',
    TOKENWISE_TOKEN: TEST_TOKEN,
    TOKENWISE_LOCAL_MODEL: 'off',
    TOKENWISE_DATA_DIR: dataDir,
    XDG_CONFIG_HOME: dataDir,
    ...(file ? { TOKENWISE_CONFIG: path.join(dataDir, 'config.json') } : {}),
    ...env,
  };
  const config = loadConfig({ env: fullEnv, flags });
  const proxy = await startProxy(config, { env: fullEnv, ...options });
  return {
    proxy,
    config,
    url: proxy.url,
    openai: new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: TEST_TOKEN, maxRetries: 0 }),
    anthropic: new Anthropic({ baseURL: proxy.url, apiKey: TEST_TOKEN, maxRetries: 0 }),
    /** Raw fetch with the token. */
    fetch: (route: string, init: RequestInit = {}) =>
      fetch(`${proxy.url}${route}`, {
        ...init,
        headers: {
          authorization: `Bearer ${TEST_TOKEN}`,
          'content-type': 'application/json',
          ...(init.headers as Record<string, string>),
        },
      }),
    async close() {
      await proxy.close();
      if (!existing) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
