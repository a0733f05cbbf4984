// Qwen Code 0.24.4, headless, through the proxy's chat completions: a cloud answer (streamed with include_usage,
// content-parts user messages) and a model mapped to the local model by router.clientModels.
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

/** The documented quiet settings: no usage statistics, no telemetry, no hidden memory-extraction call each turn. */
const quiet = {
  privacy: { usageStatisticsEnabled: false },
  memory: { enableManagedAutoMemory: false, enableManagedAutoDream: false },
  telemetry: { enabled: false },
};

before(async () => {
  setup = await startAgentProxy({ router: { clientModels: { 'qwen-code': { 'qwen3-coder-flash': 'local' } } } }, 10240);
  setup.openai.behave(
    toolingCloud(() => ({
      name: 'run_shell_command',
      arguments: { command: TOOL_COMMAND, description: 'Print the answer' },
    })),
  );
});
after(() => setup?.close());

async function qwen(
  prompt: string,
  model: string,
  settings: object,
  env: Record<string, string> = {},
  flags: string[] = [],
) {
  const home = agentHome({ '.qwen/settings.json': JSON.stringify(settings) });
  try {
    return await setup.run(agentBin('qwen'), [prompt, '--auth-type', 'openai', ...flags], {
      home: home.home,
      env: { OPENAI_BASE_URL: `${setup.tw.url}/v1`, OPENAI_API_KEY: TEST_TOKEN, OPENAI_MODEL: model, ...env },
    });
  } finally {
    home.cleanup();
  }
}

test('a prompt answered by the cloud: Qwen Code prints it', async () => {
  const before = setup.openai.calls;
  const run = await qwen('What is 2+2?', 'gpt-4o-mini', quiet);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.includes(CLOUD_ANSWER), `${run.stdout}\n${run.stderr}`);
  assert.equal(setup.openai.calls, before + 1, 'one call: no memory-extraction side call');
  const sent = setup.openai.requests.at(-1)!.body;
  assert.ok(sent.stream && sent.stream_options?.include_usage, 'streamed, asking for usage');
  assert.ok(
    sent.messages.some((m: { role: string; content: unknown }) => m.role === 'user' && Array.isArray(m.content)),
    'user content as parts',
  );
});

test('two-turn tool use: the cloud asks for the shell, Qwen Code runs it, the result goes back as a tool message', async () => {
  const before = setup.openai.calls;
  const run = await qwen(`${RUN_TOOL}: print the answer with the shell.`, 'gpt-4o-mini', quiet, {}, [
    '--approval-mode',
    'yolo',
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.includes(AFTER_TOOL), `${run.stdout}\n${run.stderr}`);
  assert.equal(setup.openai.calls, before + 2, 'the tool call, then the answer');
  const messages = setup.openai.requests.at(-1)!.body.messages as {
    role: string;
    content: unknown;
    tool_calls?: unknown[];
  }[];
  assert.ok(
    messages.some((m) => m.role === 'assistant' && m.tool_calls?.length),
    'the assistant turn with its tool call went back',
  );
  assert.ok(
    messages.some((m) => m.role === 'tool'),
    'and the tool result',
  );
});

test('a model mapped to the local model: answered locally, the cloud never called', async () => {
  const before = setup.openai.calls;
  // A short system prompt (QWEN_SYSTEM_MD) and one tool keep the prompt within what the tiny test model reads in seconds.
  const unused = [
    'agent',
    'get_goal',
    'list_agents',
    'skill',
    'tool_call',
    'tool_search',
    'update_goal',
    'enter_worktree',
    'exit_worktree',
    'record_artifact',
    'report_findings',
    'send_message',
    'task_stop',
  ];
  const home = agentHome({ 'system.md': 'Answer briefly.\n' });
  try {
    const run = await qwen(
      'Say hi.',
      'qwen3-coder-flash',
      { ...quiet, tools: { core: ['read_file'], exclude: unused } },
      { QWEN_SYSTEM_MD: `${home.home}/system.md` },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.trim().length > 0, 'printed the local model’s text');
  } finally {
    home.cleanup();
  }
  assert.equal(setup.openai.calls, before);
  const last = setup.ledger().at(-1)!;
  assert.deepEqual([last.route, last.modelAsked], ['local', 'qwen3-coder-flash']);
  assert.ok(last.outputTokens > 0);
});

test('the ledger holds every call, each under qwen-code', () => {
  const records = setup.ledger();
  // Qwen Code asks again when it takes an answer for empty or broken, and the random test model's sometimes is:
  // the local model answers at least once.
  const cloud = records.filter((r) => r.route === 'cloud');
  assert.equal(cloud.length, setup.openai.calls, 'every cloud call is in the ledger');
  assert.ok(cloud.every((r) => r.status === 200));
  assert.ok(records.some((r) => r.route === 'local' && r.status === 200));
  assert.deepEqual([...new Set(records.map((r) => r.client))], ['qwen-code']);
});
