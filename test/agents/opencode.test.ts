// opencode 1.18.33, headless, through the proxy's chat completions: with router.sideCalls "local" its title call is
// recognised and answered by the local model while the main call goes to the cloud; a model mapped to local too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { agentBin } from './support/install.ts';
import { agentHome, CLOUD_ANSWER, startAgentProxy } from './support/agent-run.ts';
import { TEST_TOKEN } from '../support/proxy.ts';

let setup: Awaited<ReturnType<typeof startAgentProxy>>;
let home: ReturnType<typeof agentHome>;

before(async () => {
  setup = await startAgentProxy(
    { router: { sideCalls: 'local', clientModels: { opencode: { 'qwen2.5-coder-1.5b': 'local' } } } },
    4096,
  );
  setup.openai.behave({ kind: 'text', text: CLOUD_ANSWER });
  // The documented config: an OpenAI-compatible provider pointing at Tokenwise, the token as its key.
  const models = { 'gpt-4o-mini': { name: 'gpt-4o-mini' }, 'qwen2.5-coder-1.5b': { name: 'qwen2.5-coder-1.5b' } };
  const config = {
    $schema: 'https://opencode.ai/config.json',
    provider: {
      tokenwise: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Tokenwise',
        options: { baseURL: `${setup.tw.url}/v1`, apiKey: TEST_TOKEN },
        models,
      },
    },
  };
  // For the tiny local model: a short agent prompt and no tools (opencode's own are ~30 KB).
  const brief = { ...config, agent: { build: { prompt: 'Answer briefly.', tools: { '*': false } } } };
  home = agentHome({ 'opencode.json': JSON.stringify(config), 'brief.json': JSON.stringify(brief) });
});
after(async () => {
  await setup?.close();
  home?.cleanup();
});

const opencode = (prompt: string, model: string, config = 'opencode.json') =>
  setup.run(agentBin('opencode'), ['run', '--pure', '-m', `tokenwise/${model}`, prompt], {
    home: home.home,
    env: {
      OPENCODE_CONFIG: `${home.home}/${config}`,
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
    },
  });

/** The first ledger record after `seen` that matches, waiting for it to be written (up to 30 s). */
async function ledgerEntry(seen: number, match: (r: ReturnType<typeof setup.ledger>[number]) => boolean) {
  for (
    const deadline = Date.now() + 30_000;
    Date.now() < deadline;
    await new Promise((resolve) => setTimeout(resolve, 100))
  ) {
    const found = setup.ledger().slice(seen).find(match);
    if (found) return found;
  }
  throw new Error(`no such ledger record: ${JSON.stringify(setup.ledger().slice(seen))}`);
}

test('the main call is answered by the cloud and printed; the title side call is answered locally', async () => {
  const before = setup.openai.calls;
  const seen = setup.ledger().length;
  const run = await opencode('What is 2+2?', 'gpt-4o-mini');
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.includes(CLOUD_ANSWER), `${run.stdout}\n${run.stderr}`);
  assert.equal(setup.openai.calls, before + 1, 'only the main call reached the cloud');
  assert.ok(setup.openai.requests.at(-1)!.body.tools?.length, 'the one with tools');
  // opencode exits once the main answer is printed, leaving the title call to finish (or be dropped) after it.
  const side = await ledgerEntry(seen, (r) => r.route === 'local');
  assert.match(side.reason, /side call/);
  assert.equal(side.modelAsked, 'gpt-4o-mini');
});

test('a model mapped to the local model: answered locally, the cloud never called', async () => {
  const before = setup.openai.calls;
  const seen = setup.ledger().length;
  const run = await opencode('Say hi.', 'qwen2.5-coder-1.5b', 'brief.json');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(setup.openai.calls, before);
  await ledgerEntry(seen, (r) => r.status === 200);
  const records = setup.ledger().slice(seen);
  assert.ok(
    records.every((r) => r.route === 'local' && /clientModels/.test(r.reason)),
    JSON.stringify(records),
  );
});

test('the ledger holds every call, each under opencode', () => {
  const records = setup.ledger();
  assert.equal(records.filter((r) => r.route === 'cloud').length, setup.openai.calls);
  assert.deepEqual([...new Set(records.map((r) => r.client))], ['opencode']);
});
