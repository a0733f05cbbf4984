// Team-mode configuration: the Redis keys and their environment variables, the cache scope and the token owner.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig } from '../../proxy/config/load.ts';
import { teamUser } from '../../proxy/team/index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-team-config-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const base = { XDG_CONFIG_HOME: dir, TOKENWISE_DATA_DIR: dir };

test('team mode is off by default: no Redis URL, per-user scope, a 50 ms bound', () => {
  const config = loadConfig({ env: base });
  assert.equal(config.redis.url, undefined);
  assert.deepEqual(
    [config.cache.scope, config.redis.timeoutMs, config.redis.keyPrefix, config.redis.tls],
    ['user', 50, 'tokenwise:', false],
  );
});

test('TOKENWISE_REDIS_URL and TOKENWISE_REDIS_PASSWORD set redis.url and redis.password', () => {
  const config = loadConfig({
    env: { ...base, TOKENWISE_REDIS_URL: 'rediss://cache.internal:6380/2', TOKENWISE_REDIS_PASSWORD: 's3cret' },
  });
  assert.deepEqual([config.redis.url, config.redis.password], ['rediss://cache.internal:6380/2', 's3cret']);
});

test('a URL that is not redis:// or rediss://, an unknown scope and a zero timeout are named', () => {
  const file = path.join(dir, 'bad.json');
  fs.writeFileSync(
    file,
    JSON.stringify({ redis: { url: 'http://cache:6379', timeoutMs: 0 }, cache: { scope: 'everyone' } }),
  );
  assert.throws(
    () => loadConfig({ env: { ...base, TOKENWISE_CONFIG: file } }),
    (error: Error) =>
      error instanceof ConfigError &&
      /redis\.url: must start with redis:\/\//.test(error.message) &&
      /redis\.timeoutMs/.test(error.message) &&
      /cache\.scope/.test(error.message),
  );
});

test('the user is the token owner, else a hash of the token: different tokens never pass for the same user', () => {
  assert.equal(teamUser({ tokenOwner: 'alice' }, 'tok-1'), 'alice');
  assert.equal(teamUser({}, 'token-one'), teamUser({}, 'token-one'));
  assert.notEqual(teamUser({}, 'token-one'), teamUser({}, 'token-two'));
  assert.doesNotMatch(teamUser({}, 'token-one'), /token-one/, 'the token itself never goes to Redis');
});
