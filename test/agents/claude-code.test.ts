// Claude Code 2.1.332, headless, through the proxy: a cloud answer, a two-turn tool use (Bash runs for real), and
// its haiku model mapped to the local model by router.clientModels.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { agentBin } from './support/install.ts';
import {
  AFTER_TOOL,
  agentHome,
  CLOUD_ANSWER,
  RUN_TOOL,
  startAgentProxy,
  TOOL_COMMAND,
  toolingCloud,
} from './support/agent-run.ts';
import { TEST_TOKEN } from '../support/proxy.ts';

let setup: Awaited<ReturnType<typeof startAgentProxy>>;
let home: ReturnType<typeof agentHome>;

before(async () => {
  setup = await startAgentProxy({ router: { clientModels: { 'claude-code': { 'claude-haiku-4-5': 'local' } } } });
  setup.anthropic.behave(
    toolingCloud(() => ({ name: 'Bash', arguments: { command: TOOL_COMMAND, description: 'Print the answer' } })),
  );
  home = agentHome();
});
after(async () => {
  await setup?.close();
  home?.cleanup();
});

/** The documented settings: base URL, the Tokenwise token as the API key, and the three switches that keep it quiet. */
const claude = (args: string[]) =>
  setup.run(agentBin('claude'), ['-p', ...args], {
    home: home.home,
    env: {
      ANTHROPIC_BASE_URL: setup.tw.url,
      ANTHROPIC_API_KEY: TEST_TOKEN,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
    },
  });

test('a prompt answered by the cloud: Claude Code prints it; its request reaches Anthropic as sent', async () => {
  const before = setup.anthropic.calls;
  const run = await claude(['What is 2+2?', '--model', 'claude-sonnet-4-6']);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.includes(CLOUD_ANSWER), run.stdout);
  assert.equal(setup.anthropic.calls, before + 1);
  const sent = setup.anthropic.requests.at(-1)!;
  assert.match(String(sent.headers['anthropic-beta']), /claude-code-/, 'beta headers passed on');
  assert.match(sent.body.system[0].text, /^x-anthropic-billing-header/, 'system blocks as Claude Code wrote them');
  assert.ok(sent.body.thinking && sent.body.context_management, 'fields the proxy does not interpret survive');
  const breakpoints = JSON.stringify(sent.body).split('"cache_control"').length - 1;
  assert.ok(breakpoints >= 1 && breakpoints <= 4, `Claude Code's own breakpoints only (${breakpoints})`);
});

test('two-turn tool use: the cloud asks for Bash, Claude Code runs it, the result goes back, the answer is printed', async () => {
  const before = setup.anthropic.calls;
  const run = await claude([
    `${RUN_TOOL}: print the answer with the shell.`,
    '--model',
    'claude-sonnet-4-6',
    '--allowedTools',
    'Bash(echo:*)',
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.includes(AFTER_TOOL), run.stdout);
  assert.equal(setup.anthropic.calls, before + 2, 'the tool call, then the answer');
});

test('claude-haiku-4-5 mapped to the local model: answered locally, the cloud never called', async () => {
  const before = setup.anthropic.calls;
  // A short system prompt and no tools keep the prompt within what the tiny test model reads in a second.
  const run = await claude([
    'Say hi.',
    '--model',
    'claude-haiku-4-5',
    '--system-prompt',
    'Answer briefly.',
    '--tools',
    '',
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.trim().length > 0, 'printed the local model’s text');
  assert.equal(setup.anthropic.calls, before);
  const last = setup.ledger().at(-1)!;
  assert.deepEqual([last.route, last.modelAsked, last.provider], ['local', 'claude-haiku-4-5', 'local']);
  assert.ok(last.outputTokens > 0);
});

test('/context: its burst of count_tokens calls is forwarded to Anthropic and answered', async () => {
  const before = setup.anthropic.requests.length;
  const started = performance.now();
  const run = await claude(['/context', '--model', 'claude-sonnet-4-6']);
  assert.equal(run.code, 0, run.stderr);
  const counts = setup.anthropic.requests.slice(before).filter((r) => r.path === '/v1/messages/count_tokens');
  console.log(
    `# claude -p /context: ${counts.length} count_tokens calls forwarded, ${(performance.now() - started).toFixed(0)} ms in all`,
  );
  assert.ok(counts.length >= 10, `${counts.length} count_tokens calls`);
  assert.match(run.stdout, /tokens/i);
});

test('the ledger holds every call, each under claude-code', () => {
  const records = setup.ledger();
  assert.equal(records.length, setup.anthropic.calls + 1);
  assert.deepEqual([...new Set(records.map((r) => r.client))], ['claude-code']);
  assert.ok(records.every((r) => r.status === 200));
});
