// Codex CLI 0.171.0 (it speaks only the Responses API), headless, through the proxy: a cloud answer, a two-turn
// tool use (its shell tool runs for real), and a model mapped to the local model by router.clientModels.
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
import type { RecordedRequest } from '../support/sse.ts';

let setup: Awaited<ReturnType<typeof startAgentProxy>>;
let home: ReturnType<typeof agentHome>;

/** Codex's shell tool: a function tool whose name and argument shape vary by release; use what it declared. */
function shellCall(request: RecordedRequest) {
  const tools: { type: string; name?: string; parameters?: { properties?: Record<string, { type?: string }> } }[] =
    request.body.tools ?? [];
  const shell = tools.find(
    (t) => t.type === 'function' && (t.name === 'shell' || t.name === 'exec_command' || t.name === 'shell_command'),
  );
  if (!shell) throw new Error(`no shell tool among ${tools.map((t) => t.name ?? t.type).join(', ')}`);
  const command =
    shell.parameters?.properties?.command?.type === 'array' ? ['bash', '-lc', TOOL_COMMAND] : TOOL_COMMAND;
  const key = shell.parameters?.properties?.cmd ? 'cmd' : 'command';
  return { name: shell.name!, arguments: { [key]: command } };
}

before(async () => {
  setup = await startAgentProxy({ router: { clientModels: { codex: { 'gpt-5.5-mini': 'local' } } } }, 16384);
  setup.openai.behave(toolingCloud(shellCall));
  home = agentHome({
    '.codex/config.toml': [
      'model_provider = "tokenwise"',
      '[model_providers.tokenwise]',
      'name = "Tokenwise"',
      `base_url = "${setup.tw.url}/v1"`,
      'env_key = "TOKENWISE_TOKEN"',
      'wire_api = "responses"',
      '',
    ].join('\n'),
    'instructions.md': 'Answer briefly.\n',
  });
});
after(async () => {
  await setup?.close();
  home?.cleanup();
});

const codex = (prompt: string, model: string, extra: string[] = []) =>
  setup.run(
    agentBin('codex'),
    [
      'exec',
      '--skip-git-repo-check',
      '-m',
      model,
      '-c',
      'analytics.enabled=false',
      '--disable',
      'plugins',
      '--dangerously-bypass-approvals-and-sandbox',
      ...extra,
      prompt,
    ],
    {
      home: home.home,
      env: { TOKENWISE_TOKEN: TEST_TOKEN, CODEX_HOME: `${home.home}/.codex` },
    },
  );

test('a prompt answered by the cloud: Codex prints it', async () => {
  const before = setup.openai.calls;
  const run = await codex('What is 2+2?', 'gpt-5.5');
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.includes(CLOUD_ANSWER), `${run.stdout}\n${run.stderr}`);
  assert.equal(setup.openai.calls, before + 1);
  const sent = setup.openai.requests.at(-1)!;
  assert.equal(sent.path, '/v1/responses');
  assert.equal(sent.body.store, false);
});

test('two-turn tool use: the cloud asks for the shell, Codex runs it, the output goes back, the answer is printed', async () => {
  const before = setup.openai.calls;
  const run = await codex(`${RUN_TOOL}: print the answer with the shell.`, 'gpt-5.5');
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.includes(AFTER_TOOL), `${run.stdout}\n${run.stderr}`);
  assert.equal(setup.openai.calls, before + 2, 'the tool call, then the answer');
});

test('a model mapped to the local model: answered locally, the cloud never called', async () => {
  const before = setup.openai.calls;
  // Short instructions instead of Codex's 21 KB keep the prompt within what the tiny test model reads in seconds.
  const run = await codex('Say hi.', 'gpt-5.5-mini', ['-c', `model_instructions_file=${home.home}/instructions.md`]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(setup.openai.calls, before);
  const last = setup.ledger().at(-1)!;
  assert.deepEqual([last.route, last.modelAsked], ['local', 'gpt-5.5-mini']);
  assert.ok(last.outputTokens > 0);
});

test('the ledger holds every call, each under codex', () => {
  const records = setup.ledger();
  assert.ok(records.length >= setup.openai.calls + 1);
  assert.deepEqual([...new Set(records.map((r) => r.client))], ['codex']);
});
