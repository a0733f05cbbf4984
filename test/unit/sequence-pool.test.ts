import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProxyError } from '../../proxy/errors.ts';
import { SequencePool } from '../../proxy/providers/local/sequence-pool.ts';

const never = new AbortController().signal;

test('hands out free sequences, queues up to queueSize, then refuses with 503 + retry-after', async () => {
  const pool = new SequencePool(['a', 'b'], 1);
  const got = [await pool.acquire(never), await pool.acquire(never)];
  assert.deepEqual(got.sort(), ['a', 'b']);
  const waiting = pool.acquire(never);
  await assert.rejects(pool.acquire(never), (e: ProxyError) => e.status === 503 && e.options.retryAfterSeconds! >= 1);
  assert.deepEqual(pool.stats, { active: 2, queued: 1, peakActive: 2 });
  pool.release('a');
  assert.equal(await waiting, 'a', 'the waiter gets the released sequence');
  assert.equal(pool.stats.active, 2);
});

test('a waiter whose caller leaves is removed from the queue', async () => {
  const pool = new SequencePool(['only'], 2);
  await pool.acquire(never);
  const controller = new AbortController();
  const leaving = pool.acquire(controller.signal);
  const staying = pool.acquire(never);
  controller.abort(new Error('gone'));
  await assert.rejects(leaving, /gone/);
  pool.release('only');
  assert.equal(await staying, 'only');
  assert.equal(pool.stats.queued, 0);
});
