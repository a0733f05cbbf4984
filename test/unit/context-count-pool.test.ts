// The worker that counts large requests: answers in order, refuses past its queue bound with a 503, and a caller that
// leaves while its job waits or runs gets an AbortError while the jobs behind it are still answered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countOffLoop } from '../../proxy/context/count-pool.ts';
import { loadEncodingCounter } from '../../proxy/context/tokens.ts';

test('jobs past the queue bound are refused with a 503; aborted jobs reject; the others get their counts', async () => {
  const o200k = await loadEncodingCounter('o200k_base');
  const texts = (i: number) => [`question ${i}: how many tokens is this?`, 'x'.repeat(i + 1)];
  const leaving = new AbortController();
  // One job runs and eight wait: the tenth is refused at once.
  const jobs = Array.from({ length: 9 }, (_, i) =>
    countOffLoop('o200k_base', texts(i), i === 0 || i === 4 ? leaving.signal : undefined),
  );
  await assert.rejects(countOffLoop('o200k_base', texts(9)), (error: { status?: number }) => error.status === 503);
  leaving.abort();
  const settled = await Promise.allSettled(jobs);
  settled.forEach((result, i) => {
    if (i === 0 || i === 4)
      assert.equal(result.status === 'rejected' && (result.reason as Error).name, 'AbortError', `job ${i}`);
    else
      assert.deepEqual(
        result.status === 'fulfilled' && result.value,
        texts(i).map((t) => o200k(t)),
        `job ${i}`,
      );
  });
  assert.deepEqual(
    await countOffLoop('o200k_base', texts(10)),
    texts(10).map((t) => o200k(t)),
    'a job after a stopped worker is answered',
  );
});
