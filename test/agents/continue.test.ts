// Continue CLI 1.5.47, headless, through the proxy's chat completions: a cloud answer, a model mapped to the local
// model, and the session breaker stopping it in a tool loop (Continue has no loop guard of its own).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { agentBin } from './support/install.ts';
import { agentHome, CLOUD_ANSWER, startAgentProxy } from './support/agent-run.ts';
import { TEST_TOKEN } from '../support/proxy.ts';

let setup: Awaited<ReturnType<typeof startAgentProxy>>;
const MAX_REPEATS = 4;

before(async () => {
  setup = await startAgentProxy({
    router: { clientModels: { continue: { 'qwen2.5-coder-1.5b': 'local' } } },
    budget: { session: { maxRepeatedToolCalls: MAX_REPEATS } },
  });
});
after(() => setup?.close());

/** The documented setup: a local config file with one OpenAI-compatible model pointing at Tokenwise. */
async function cn(prompt: string, model: string, timeoutMs?: number) {
  const config = [
    'name: tokenwise',
    'version: 1.0.0',
    'schema: v1',
    'models:',
    '  - name: tokenwise',
    '    provider: openai',
    `    model: ${model}`,
    `    apiBase: ${setup.tw.url}/v1`,
    `    apiKey: ${TEST_TOKEN}`,
    '',
  ].join('\n');
  const home = agentHome({ 'config.yaml': config });
  try {
    return await setup.run(agentBin('cn'), ['-p', prompt, '--config', `${home.home}/config.yaml`], {
      home: home.home,
      timeoutMs,
    });
  } finally {
    home.cleanup();
  }
}

test('a prompt answered by the cloud: Continue prints it', async () => {
  setup.openai.behave({ kind: 'text', text: CLOUD_ANSWER });
  const before = setup.openai.calls;
  const run = await cn('What is 2+2?', 'gpt-4o-mini');
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.includes(CLOUD_ANSWER), `${run.stdout}\n${run.stderr}`);
  assert.equal(setup.openai.calls, before + 1);
});

test('a model mapped to the local model: answered locally, the cloud never called', async () => {
  const before = setup.openai.calls;
  const run = await cn('Say hi.', 'qwen2.5-coder-1.5b');
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.trim().length > 0, 'printed the local model’s text');
  assert.equal(setup.openai.calls, before);
  const last = setup.ledger().at(-1)!;
  assert.deepEqual([last.route, last.modelAsked], ['local', 'qwen2.5-coder-1.5b']);
});

test('a tool loop is cut by the session breaker: after the same call MAX_REPEATS times, nothing more goes upstream', async () => {
  // An upstream that always asks for the same read: Continue alone would go on for hundreds of paid requests. It
  // retries 429s itself (ignoring x-should-retry), so it is stopped here after a while; the proxy refuses each retry.
  setup.openai.behave({ kind: 'tool_call', name: 'Read', arguments: { filepath: 'config.yaml' } });
  const before = setup.openai.calls;
  await cn('Read the config until you understand it.', 'gpt-4o-mini', 8000);
  assert.equal(setup.openai.calls - before, MAX_REPEATS);
  const refused = setup.ledger().filter((r) => r.status === 429);
  assert.ok(refused.length >= 1, 'the refusals are in the ledger');
  assert.ok(
    refused.every((r) => r.client === 'continue' && /same arguments 4 times in a row.*tool loop/.test(r.error ?? '')),
    JSON.stringify(refused),
  );
});

test('the ledger holds every call, each under continue', () => {
  const records = setup.ledger();
  assert.equal(records.filter((r) => r.status === 200).length, setup.openai.calls + 1);
  assert.deepEqual([...new Set(records.map((r) => r.client))], ['continue']);
});
