// Durability, measured: the built proxy under load (c=16) is killed with SIGKILL three times on the same data file.
// After each kill it is restarted on that file: `PRAGMA integrity_check` must say ok, and every request whose answer
// the client had received but that is missing from the ledger must have been answered within the last flush window
// (`usage.flushIntervalMs`, plus a margin for the commit itself) before the kill.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../proxy/config/load.ts';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startTestProxy, TEST_TOKEN } from '../support/proxy.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-crash-'));
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
const env = {
  TOKENWISE_DATA_DIR: dataDir,
  XDG_CONFIG_HOME: dataDir,
  TOKENWISE_TOKEN: TEST_TOKEN,
  TOKENWISE_LOCAL_MODEL: 'off',
  OPENAI_API_KEY: 'k',
};
const FLUSH_MS = loadConfig({ env }).usage.flushIntervalMs;
// Time the timer's batch takes to price, queue and commit (≈ 40 ms at p95 idle) on a machine shared with other work.
const COMMIT_MARGIN_MS = 500;
const CONCURRENCY = 16;
const MAX_REQUESTS = 10_000;

async function startChild(upstream: string) {
  const child = spawn(process.execPath, ['bin/tokenwise.js', 'serve', '--port', '0'], {
    cwd: root,
    env: { ...process.env, ...env, OPENAI_BASE_URL: upstream },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  for (let i = 0; i < 400 && !/listening on/.test(out); i++) await new Promise((r) => setTimeout(r, 25));
  return { child, url: out.match(/listening on (\S+)/)![1]! };
}

/** Sends at most MAX_REQUESTS from CONCURRENCY loops until the proxy dies; records each answered request's end time. */
function load(url: string, round: number) {
  const answered: { client: string; at: number }[] = [];
  let sent = 0;
  let inFlight = 0;
  const loops = Array.from({ length: CONCURRENCY }, async () => {
    while (sent < MAX_REQUESTS) {
      const client = `r${round}-${sent++}`;
      inFlight++;
      try {
        const response = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${TEST_TOKEN}`,
            'content-type': 'application/json',
            'x-tokenwise-client': client,
          },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `request ${client}` }] }),
        });
        if (response.ok) {
          await response.json();
          answered.push({ client, at: Date.now() });
        }
      } catch {
        return; // the proxy was killed
      } finally {
        inFlight--;
      }
    }
  });
  return { answered, inFlight: () => inFlight, done: Promise.all(loops) };
}

test(`kill -9 under load, three times: the file stays whole and only requests answered in the last flush window (${FLUSH_MS} ms + ${COMMIT_MARGIN_MS} ms) are lost`, async (t) => {
  const upstream = await startFakeOpenAI();
  try {
    for (const round of [1, 2, 3]) {
      const { child, url } = await startChild(`${upstream.url}/v1`);
      const traffic = load(url, round);
      // Past a few flush windows, at a random point within one, however busy the machine is.
      const killAfter = 3 * FLUSH_MS + Math.random() * FLUSH_MS;
      const loadStarted = Date.now();
      while (
        Date.now() - loadStarted < killAfter ||
        (traffic.answered.length < 100 && Date.now() - loadStarted < 15_000)
      )
        await new Promise((r) => setTimeout(r, 10));
      const inFlightAtKill = traffic.inFlight();
      const exited = new Promise((r) => child.once('exit', r));
      const killedAt = Date.now();
      child.kill('SIGKILL');
      await exited;
      await traffic.done;
      assert.ok(inFlightAtKill > 0, `round ${round}: the kill came mid-load (${inFlightAtKill} requests in flight)`);
      assert.ok(traffic.answered.length >= 100, `round ${round}: load ran (${traffic.answered.length} answered)`);

      // Restart on the same file: it opens, recovers, is whole, and holds what it must.
      const proxy = await startTestProxy({ dataDir, env });
      try {
        const db = proxy.proxy.usage.ledger.db;
        assert.deepEqual(
          db.all('PRAGMA integrity_check'),
          [{ integrity_check: 'ok' }],
          `round ${round}: integrity_check`,
        );
        const recorded = new Set(
          (db.all('SELECT client FROM requests WHERE client LIKE ?', [`r${round}-%`]) as { client: string }[]).map(
            (r) => r.client,
          ),
        );
        const lost = traffic.answered.filter((a) => !recorded.has(a.client));
        const window = FLUSH_MS + COMMIT_MARGIN_MS;
        const answeredInWindow = traffic.answered.filter((a) => a.at > killedAt - window).length;
        const oldestLostMs = lost.length ? killedAt - Math.min(...lost.map((a) => a.at)) : 0;
        t.diagnostic(
          `round ${round}: ${traffic.answered.length} answered, ${recorded.size} recorded, ${lost.length} lost (answered ≤ ${oldestLostMs} ms before the kill); ${answeredInWindow} answered in the last ${window} ms`,
        );
        assert.ok(
          lost.length <= answeredInWindow,
          `round ${round}: ${lost.length} lost > ${answeredInWindow} answered in the last ${window} ms`,
        );
        assert.ok(
          oldestLostMs <= window,
          `round ${round}: a request answered ${oldestLostMs} ms before the kill is missing`,
        );
      } finally {
        await proxy.close();
      }
    }
  } finally {
    await upstream.close();
  }
});
