// A real Claude Code session recorded through the proxy and replayed: the replay's cost is the live ledger's, within
// 1%. The loopback Anthropic bills its prompt cache as Anthropic does (Claude Code places its own breakpoints), so the
// live run and the replay are priced by the same rules and any gap is the replay's own.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runReplay } from '../../proxy/eval/replay/index.ts';
import { billedLikeAnthropic } from '../support/billed-like-anthropic.ts';
import { TEST_TOKEN } from '../support/proxy.ts';
import { agentHome, AFTER_TOOL, RUN_TOOL, startAgentProxy, TOOL_COMMAND, toolingCloud } from './support/agent-run.ts';
import { agentBin } from './support/install.ts';

const recordings = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-claude-recordings-'));
let setup: Awaited<ReturnType<typeof startAgentProxy>>;
let home: ReturnType<typeof agentHome>;

before(async () => {
  setup = await startAgentProxy({ record: { dir: recordings } });
  setup.anthropic.behave(
    await billedLikeAnthropic(
      toolingCloud(() => ({ name: 'Bash', arguments: { command: TOOL_COMMAND, description: 'Print the answer' } })),
    ),
  );
  home = agentHome();
});
after(async () => {
  await setup?.close();
  home?.cleanup();
  fs.rmSync(recordings, { recursive: true, force: true });
});

test('Claude Code recorded live and replayed: the same cost as the ledger within 1%, each conversation in its own file', async () => {
  const env = {
    ANTHROPIC_BASE_URL: setup.tw.url,
    ANTHROPIC_API_KEY: TEST_TOKEN,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
  };
  const first = await setup.run(agentBin('claude'), ['-p', 'What is 2+2?', '--model', 'claude-sonnet-4-6'], {
    home: home.home,
    env,
  });
  assert.equal(first.code, 0, first.stderr);
  const second = await setup.run(
    agentBin('claude'),
    [
      '-p',
      `${RUN_TOOL}: print the answer with the shell.`,
      '--model',
      'claude-sonnet-4-6',
      '--allowedTools',
      'Bash(echo:*)',
    ],
    { home: home.home, env },
  );
  assert.equal(second.code, 0, second.stderr);
  assert.ok(second.stdout.includes(AFTER_TOOL), second.stdout);

  const ledger = setup.ledger().filter((r) => r.status === 200);
  const live = ledger.reduce((sum, r) => sum + (r.costUsd ?? 0), 0);
  const text = fs
    .readdirSync(recordings)
    .map((f) => fs.readFileSync(path.join(recordings, f), 'utf8'))
    .join('');
  assert.equal(fs.readdirSync(recordings).length, 2, 'one file per Claude Code session');
  assert.ok(!text.includes(TEST_TOKEN), 'the token Claude Code sent as its API key is not in the recording');

  const report = await runReplay({ data: [recordings], model: 'claude-sonnet-4-6', config: setup.tw.config });
  console.log(
    `# ${report.totals.turns} turns: live ledger $${live.toFixed(6)}, replay $${report.totals.actual_usd.toFixed(6)}, baseline $${report.totals.baseline_usd.toFixed(6)}`,
  );
  assert.equal(report.totals.turns, ledger.length, 'every answered request was recorded and replayed');
  assert.deepEqual(report.rejected, []);
  assert.ok(live > 0);
  assert.ok(
    Math.abs(report.totals.actual_usd - live) <= 0.01 * live,
    `replay $${report.totals.actual_usd} vs live $${live}`,
  );
  assert.deepEqual([report.totals.invalid_requests, report.totals.differing_context_cache_hits], [0, 0]);
});
