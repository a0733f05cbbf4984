// kill -9 under load loses no request whose response completed more than a flush interval before the kill, and
// never corrupts the ledger. Run twice on the same file: recovery must also survive a second crash.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../proxy/config/load.ts';
import { startProxy } from '../../proxy/server.ts';
import { startFakeOpenAI } from '../support/fake-openai.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-crash-'));
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
const env = { ...process.env, TOKENWISE_DATA_DIR: dataDir, XDG_CONFIG_HOME: dataDir, TOKENWISE_TOKEN: 'crash-token', TOKENWISE_LOCAL_MODEL: 'off', OPENAI_API_KEY: 'k' };

async function startChild(upstream: string) {
  const child = spawn(process.execPath, ['bin/tokenwise.js', 'serve', '--port', '0'], { cwd: root, env: { ...env, OPENAI_BASE_URL: upstream }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  for (let i = 0; i < 400 && !/listening on/.test(out); i++) await new Promise((r) => setTimeout(r, 25));
  return { child, url: out.match(/listening on (\S+)/)![1]! };
}

/** Sends requests from `workers` loops until stopped; returns each completed request's client name and end time. */
function load(url: string, round: number, workers: number) {
  const completed: { client: string; at: number }[] = [];
  let stop = false;
  let n = 0;
  const loops = Array.from({ length: workers }, async () => {
    while (!stop) {
      const client = `r${round}-${n++}`;
      try {
        const response = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: 'Bearer crash-token', 'content-type': 'application/json', 'x-tokenwise-client': client },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `request ${client}` }] }),
        });
        if (response.ok) {
          await response.json();
          completed.push({ client, at: Date.now() });
        }
      } catch {
        return; // the proxy was killed
      }
    }
  });
  return { completed, stop: () => ((stop = true), Promise.all(loops)) };
}

test('kill -9 mid-load, twice: every request completed before the last flush is in the ledger, and the file is sound', async () => {
  const upstream = await startFakeOpenAI();
  try {
    const everCompleted: { client: string; at: number }[] = [];
    let killedAt = 0;
    for (const round of [1, 2]) {
      const { child, url } = await startChild(`${upstream.url}/v1`);
      const traffic = load(url, round, 8);
      // Run until well past one flush interval and a good number of completions, however busy the machine is.
      const loadStarted = Date.now();
      while (Date.now() - loadStarted < 1500 || (traffic.completed.length < 60 && Date.now() - loadStarted < 15_000)) await new Promise((r) => setTimeout(r, 50));
      const exited = new Promise((r) => child.once('exit', r));
      killedAt = Date.now();
      child.kill('SIGKILL');
      await exited;
      await traffic.stop();
      assert.ok(traffic.completed.length > 50, `load ran (${traffic.completed.length} completed)`);
      everCompleted.push(...traffic.completed.filter((c) => c.at < killedAt - 1000));
    }

    // Restart on the same data: the ledger opens, recovers, and holds every request that finished in time.
    const proxy = await startProxy(loadConfig({ env: { ...env, TOKENWISE_PORT: '0' } }), { env });
    try {
      const db = proxy.usage.ledger.db;
      assert.deepEqual(db.all('PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
      const recorded = new Set((db.all('SELECT client FROM requests') as { client: string }[]).map((r) => r.client));
      const missing = everCompleted.filter((c) => !recorded.has(c.client));
      assert.deepEqual(missing, [], `${missing.length} of ${everCompleted.length} completed requests lost`);
      const ids = db.all('SELECT id FROM requests ORDER BY id') as { id: number }[];
      assert.equal(new Set(ids.map((r) => r.id)).size, ids.length);
    } finally {
      await proxy.close();
    }
  } finally {
    await upstream.close();
  }
});
