import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusText } from '../../extension/status-text.ts';
import { emptySnapshot } from '../../extension/usage-snapshot.ts';
import { duration, percent, savedShare, statusSummary, tokens, usd } from '../../shared/format.ts';
import { emptyTotals } from '../../shared/protocol.ts';

test('dollars: cents from a dollar up, two significant digits below, however small', () => {
  assert.equal(usd(0), '$0.00');
  assert.equal(usd(0.4213), '$0.42');
  assert.equal(usd(1234.5), '$1,234.50');
  assert.equal(usd(0.0042), '$0.0042');
  assert.equal(usd(0.00012345), '$0.00012');
  assert.equal(usd(0.000042), '$0.000042');
  assert.equal(usd(0.0000004), '$0.00000040');
  assert.equal(usd(0.0000042), '$0.0000042');
  assert.equal(usd(0.013), '$0.013');
  assert.equal(usd(0.0000000004), '<$0.000000001');
  assert.equal(usd(-0.5), '-$0.50');
  assert.equal(usd(null), '—');
});

test('tokens, shares and durations', () => {
  assert.deepEqual([950, 1000, 1234, 12_345, 999_999, 1_234_567, 12_345_678].map(tokens), [
    '950',
    '1k',
    '1.23k',
    '12.3k',
    '1000k',
    '1.23M',
    '12.3M',
  ]);
  assert.equal(percent(0.873), '87%');
  assert.equal(percent(Number.NaN), '0%');
  assert.equal(duration(840.4), '840 ms');
  assert.equal(duration(12_400), '12.4 s');
  assert.equal(duration(2000), '2 s');
  assert.equal(savedShare({ savedUsd: 3, baselineCostUsd: 4 }), 0.75);
  assert.equal(savedShare({ savedUsd: 0, baselineCostUsd: 0 }), 0);
});

test('the status bar: today’s spend and saving, or a clear word about the proxy', () => {
  const today = {
    ...emptyTotals(),
    requests: 4,
    costUsd: 0.42,
    baselineCostUsd: 1.2,
    savedUsd: 0.78,
    localShare: 0.5,
    savedByLever: { ...emptyTotals().savedByLever, routing: 0.78 },
  };
  assert.equal(statusSummary(today), '$0.42 today · saved 65%');
  const running = statusText({
    ...emptySnapshot({
      kind: 'running',
      url: 'http://127.0.0.1:8787',
      pid: 7,
      attached: false,
      local: { state: 'ready', model: 'qwen' },
    }),
    today,
    byModel: [{ ...today, key: 'gpt-4o-mini' }],
  });
  assert.equal(running.text, '$(pulse) $0.42 today · saved 65%');
  assert.equal(running.tone, 'normal');
  const tooltip = running.tooltip.join('\n');
  for (const part of [
    'Requests: 4',
    'Local share: 50%',
    'cache hit rate: 0%',
    'Top model: gpt-4o-mini',
    'routing $0.78',
  ])
    assert.ok(tooltip.includes(part), part);
  assert.match(statusText(emptySnapshot({ kind: 'stopped' })).text, /stopped/);
  const failed = statusText(emptySnapshot({ kind: 'failed', reason: 'port 8787 is used by another program' }));
  assert.equal(failed.tone, 'error');
  assert.ok(failed.tooltip.includes('port 8787 is used by another program'));
  assert.match(
    statusText(emptySnapshot({ kind: 'restarting', attempt: 2, reason: 'killed by SIGKILL' })).tooltip.join(' '),
    /SIGKILL.*attempt 2/,
  );
});
