import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { apiKeyOf, ConfigError, loadConfig } from '../../proxy/config/load.ts';
import { resolveToken } from '../../proxy/config/token.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-config-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
function file(name: string, content: unknown): string {
  const at = path.join(dir, name);
  fs.writeFileSync(at, typeof content === 'string' ? content : JSON.stringify(content));
  return at;
}
const base = { XDG_CONFIG_HOME: dir, TOKENWISE_DATA_DIR: dir };

describe('loadConfig', () => {
  test('defaults: loopback, 8787, both cloud providers, local model on', () => {
    const config = loadConfig({ env: base });
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8787);
    assert.deepEqual(Object.keys(config.providers).sort(), ['anthropic', 'openai']);
    assert.match(config.local.model, /^hf:/);
    assert.equal(config.local.contextSize, undefined);
  });

  test('file < environment < flags', () => {
    const config = file('precedence.json', {
      port: 1000,
      local: { threads: 3, parallel: 2 },
      defaultCloudModel: 'from-file',
    });
    const loaded = loadConfig({
      env: { ...base, TOKENWISE_CONFIG: config, TOKENWISE_PORT: '2000', TOKENWISE_THREADS: '5' },
      flags: { port: '3000' },
    });
    assert.equal(loaded.port, 3000);
    assert.equal(loaded.local.threads, 5);
    assert.equal(loaded.local.parallel, 2);
    assert.equal(loaded.defaultCloudModel, 'from-file');
  });

  test('a config file naming its JSON Schema (as editors write it) loads', () => {
    const config = file('with-schema.json', { $schema: './schemas/config.schema.json', port: 1234 });
    assert.equal(loadConfig({ env: { ...base, TOKENWISE_CONFIG: config } }).port, 1234);
  });

  test('the default config file is read from XDG_CONFIG_HOME', () => {
    fs.mkdirSync(path.join(dir, 'tokenwise'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tokenwise', 'config.json'), JSON.stringify({ port: 4321 }));
    try {
      assert.equal(loadConfig({ env: base }).port, 4321);
    } finally {
      fs.rmSync(path.join(dir, 'tokenwise'), { recursive: true });
    }
  });

  test('every unknown key and wrong type is named in one error', () => {
    const bad = file('bad.json', {
      prot: 1,
      local: { threads: 'many', extra: true },
      providers: { groq: { kind: 'openai', baseUrl: 'not a url' } },
    });
    assert.throws(
      () => loadConfig({ env: { ...base, TOKENWISE_PORT: 'eighty' }, flags: { config: bad } }),
      (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /TOKENWISE_PORT: expected a number, got "eighty"/);
        return true;
      },
    );
    assert.throws(
      () => loadConfig({ env: base, flags: { config: bad } }),
      (error: Error) => {
        for (const expected of [
          /unknown key "prot"/,
          /local: unknown key "extra"/,
          /local\.threads: .*expected number/,
          /providers\.groq\.baseUrl: Invalid URL/,
        ])
          assert.match(error.message, expected);
        return true;
      },
    );
  });

  test('a config file that is not JSON, unknown flags and bad enum values are reported', () => {
    assert.throws(() => loadConfig({ env: base, flags: { config: file('broken.json', '{ nope') } }), /invalid JSON/);
    assert.throws(() => loadConfig({ env: base, flags: { prot: '1' } }), /--prot: unknown flag/);
    assert.throws(() => loadConfig({ env: { ...base, TOKENWISE_GPU: 'tpu' } }), /local\.gpu/);
    assert.throws(() => loadConfig({ env: base, flags: { config: path.join(dir, 'missing.json') } }), /cannot read/);
  });

  test('cloud base URLs and keys come from the standard variables; a provider can name its own key variable', () => {
    const custom = file('groq.json', {
      providers: {
        groq: {
          kind: 'openai',
          baseUrl: 'https://api.groq.com/openai/v1',
          apiKeyEnv: 'GROQ_API_KEY',
          models: ['llama-3.3-70b'],
        },
      },
    });
    const env = {
      ...base,
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:8',
      GROQ_API_KEY: 'g',
      OPENAI_API_KEY: 'o',
    };
    const config = loadConfig({ env, flags: { config: custom } });
    assert.equal(config.providers.openai!.baseUrl, 'http://127.0.0.1:9/v1');
    assert.equal(config.providers.anthropic!.baseUrl, 'http://127.0.0.1:8');
    assert.equal(apiKeyOf(config.providers.groq!, env), 'g');
    assert.equal(apiKeyOf(config.providers.openai!, env), 'o');
    assert.equal(apiKeyOf(config.providers.anthropic!, env), undefined);
  });
});

describe('resolveToken', () => {
  test('generates a token once, stores it readable by the user only, and reuses it', () => {
    const data = path.join(dir, 'data');
    const first = resolveToken(undefined, data);
    assert.match(first, /^tw-[A-Za-z0-9_-]{32}$/);
    assert.equal(fs.statSync(path.join(data, 'token')).mode & 0o777, 0o600);
    assert.equal(resolveToken(undefined, data), first);
    assert.equal(resolveToken('configured-token', data), 'configured-token');
  });
});
