// "Connect a tool" on real settings files of each agent's format in a temporary home: docs/agents.md's settings merged in
// without losing the user's own (comments in TOML/YAML included), a second connect replacing rather than adding, a
// file whose shape is not understood left alone with a clear message, and undo putting the original back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, test } from 'node:test';
import { AGENTS, canUndo, connectAgent, undoAgent, type AgentId } from '../../extension/agent-config.ts';

// js-yaml (already installed as a dependency of the tooling) only checks here that the edited YAML still parses.
const yaml = createRequire(import.meta.url)('js-yaml') as { load: (text: string) => unknown };
const endpoint = { url: 'http://127.0.0.1:8787', token: 'tw-test-token' };
const agent = (id: AgentId) => AGENTS.find((a) => a.id === id)!;
let home: string;

const freshHome = () => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-agents-')));
beforeEach(freshHome);

function write(relative: string, text: string): string {
  const file = path.join(home, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** Connects twice (the second must replace, not add), checks the file, then undoes and expects the original back. */
function roundTrip(id: AgentId, relative: string, original: string | undefined, check: (text: string) => void): void {
  const file = path.join(home, relative);
  if (original !== undefined) write(relative, original);
  assert.equal(connectAgent(agent(id), home, { ...endpoint, token: 'old-token' }), file);
  const once = fs.readFileSync(file, 'utf8');
  connectAgent(agent(id), home, endpoint);
  const text = fs.readFileSync(file, 'utf8');
  assert.equal(text, once.replaceAll('old-token', endpoint.token), 'a second connect replaces the first');
  check(text);
  assert.ok(canUndo(agent(id), home));
  undoAgent(agent(id), home);
  if (original === undefined) assert.equal(fs.existsSync(file), false);
  else assert.equal(fs.readFileSync(file, 'utf8'), original);
  assert.equal(canUndo(agent(id), home), false);
}

test('Claude Code: env gets the base URL and the token; the user’s other settings and env stay', () => {
  const original = `${JSON.stringify({ model: 'opus', permissions: { allow: ['Bash(npm test)'] }, env: { DISABLE_TELEMETRY: '1' } }, null, 2)}\n`;
  roundTrip('claude-code', '.claude/settings.json', original, (text) => {
    assert.deepEqual(JSON.parse(text), {
      model: 'opus',
      permissions: { allow: ['Bash(npm test)'] },
      env: { DISABLE_TELEMETRY: '1', ANTHROPIC_BASE_URL: endpoint.url, ANTHROPIC_AUTH_TOKEN: endpoint.token },
    });
  });
  freshHome();
  roundTrip('claude-code', '.claude/settings.json', undefined, (text) =>
    assert.deepEqual(JSON.parse(text).env, { ANTHROPIC_BASE_URL: endpoint.url, ANTHROPIC_AUTH_TOKEN: endpoint.token }),
  );
  assert.equal(fs.statSync(path.join(home, '.claude')).isDirectory(), true);
});

test('Codex: model_provider selects docs/agents.md’s provider table; other keys, tables and comments stay', () => {
  const original = [
    '# my codex settings',
    'model = "gpt-5.5"',
    'model_provider = "openai"',
    'approval_policy = "on-request"',
    '',
    '[mcp_servers.docs]',
    'command = "docs-mcp"',
    'args = ["--port", "0"]',
    '',
    '# profiles below',
    '[tui]',
    'notifications = true',
    '',
  ].join('\n');
  roundTrip('codex', '.codex/config.toml', original, (text) => {
    assert.equal(
      text,
      [
        '# my codex settings',
        'model = "gpt-5.5"',
        'model_provider = "tokenwise"',
        'approval_policy = "on-request"',
        '',
        '[mcp_servers.docs]',
        'command = "docs-mcp"',
        'args = ["--port", "0"]',
        '',
        '# profiles below',
        '[tui]',
        'notifications = true',
        '',
        '[model_providers.tokenwise]',
        'name = "Tokenwise"',
        'base_url = "http://127.0.0.1:8787/v1"',
        `experimental_bearer_token = "${endpoint.token}"`,
        'wire_api = "responses"',
        '',
      ].join('\n'),
    );
  });
  freshHome();
  roundTrip('codex', '.codex/config.toml', undefined, (text) =>
    assert.match(text, /^model_provider = "tokenwise"\n\n\[model_providers\.tokenwise\]\nname = "Tokenwise"\n/),
  );
  const inline = write('.codex/config.toml', 'model_providers = { tokenwise = { name = "x" } }\n');
  assert.throws(
    () => connectAgent(agent('codex'), home, endpoint),
    /Codex CLI: .*config\.toml was left as it is: it defines model_providers inline/,
  );
  assert.equal(fs.readFileSync(inline, 'utf8'), 'model_providers = { tokenwise = { name = "x" } }\n');
  assert.equal(canUndo(agent('codex'), home), false, 'a refused connect leaves no backup');
});

test('Continue: the model goes first in the models list; the other models and comments stay', () => {
  const original = [
    'name: my-assistant',
    'version: 1.0.0',
    'schema: v1',
    '# models I use',
    'models:',
    '  - name: gpt',
    '    provider: openai',
    '    model: gpt-4o',
    '    roles:',
    '      - chat',
    'context:',
    '  - provider: code',
    '',
  ].join('\n');
  roundTrip('continue', '.continue/config.yaml', original, (text) => {
    assert.match(text, /# models I use\n/);
    assert.deepEqual(yaml.load(text), {
      name: 'my-assistant',
      version: '1.0.0',
      schema: 'v1',
      models: [
        {
          name: 'tokenwise',
          provider: 'openai',
          model: 'auto',
          apiBase: 'http://127.0.0.1:8787/v1',
          apiKey: endpoint.token,
        },
        { name: 'gpt', provider: 'openai', model: 'gpt-4o', roles: ['chat'] },
      ],
      context: [{ provider: 'code' }],
    });
  });
  freshHome();
  roundTrip('continue', '.continue/config.yaml', undefined, (text) => {
    assert.deepEqual(yaml.load(text), {
      name: 'tokenwise',
      version: '1.0.0',
      schema: 'v1',
      models: [
        {
          name: 'tokenwise',
          provider: 'openai',
          model: 'auto',
          apiBase: 'http://127.0.0.1:8787/v1',
          apiKey: endpoint.token,
        },
      ],
    });
  });
  write('.continue/config.yaml', 'models: [{ name: gpt }]\n');
  assert.throws(
    () => connectAgent(agent('continue'), home, endpoint),
    /Continue: .* its models list is written inline/,
  );
});

test('Qwen Code: OpenAI auth with the base URL and token, model auto, docs/agents.md’s privacy settings; the rest stays', () => {
  const original = `${JSON.stringify({ ui: { theme: 'GitHub' }, security: { folderTrust: { enabled: true } }, telemetry: { enabled: true, target: 'local' } }, null, 2)}\n`;
  roundTrip('qwen-code', '.qwen/settings.json', original, (text) => {
    assert.deepEqual(JSON.parse(text), {
      ui: { theme: 'GitHub' },
      security: {
        folderTrust: { enabled: true },
        auth: { selectedType: 'openai', apiKey: endpoint.token, baseUrl: 'http://127.0.0.1:8787/v1' },
      },
      telemetry: { enabled: false, target: 'local' },
      model: { name: 'auto' },
      privacy: { usageStatisticsEnabled: false },
      memory: { enableManagedAutoMemory: false, enableManagedAutoDream: false },
    });
  });
  write('.qwen/settings.json', '{ "security": "strict" }');
  assert.throws(
    () => connectAgent(agent('qwen-code'), home, endpoint),
    /Qwen Code: .* its "security" is not an object/,
  );
});

test('opencode: docs/agents.md’s provider block is added beside the user’s providers; JSON with comments is refused', () => {
  const original = `${JSON.stringify({ $schema: 'https://opencode.ai/config.json', provider: { ollama: { npm: '@ai-sdk/openai-compatible', options: { baseURL: 'http://localhost:11434/v1' } } }, theme: 'opencode' }, null, 2)}\n`;
  roundTrip('opencode', '.config/opencode/opencode.json', original, (text) => {
    const settings = JSON.parse(text);
    assert.deepEqual(Object.keys(settings.provider), ['ollama', 'tokenwise']);
    assert.deepEqual(settings.provider.tokenwise, {
      npm: '@ai-sdk/openai-compatible',
      name: 'Tokenwise',
      options: { baseURL: 'http://127.0.0.1:8787/v1', apiKey: endpoint.token },
      models: { auto: { name: 'auto' } },
    });
    assert.equal(settings.theme, 'opencode');
  });
  const commented = write('.config/opencode/opencode.json', '{\n  // mine\n  "theme": "x"\n}\n');
  assert.throws(() => connectAgent(agent('opencode'), home, endpoint), /opencode: .* it is not plain JSON/);
  assert.equal(fs.readFileSync(commented, 'utf8'), '{\n  // mine\n  "theme": "x"\n}\n');
});

test('the first connect’s backup is kept: undo after two connects restores the file from before both', () => {
  const file = write('.claude/settings.json', '{"model":"sonnet"}\n');
  connectAgent(agent('claude-code'), home, endpoint);
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('sonnet', 'haiku'));
  connectAgent(agent('claude-code'), home, endpoint);
  undoAgent(agent('claude-code'), home);
  assert.equal(fs.readFileSync(file, 'utf8'), '{"model":"sonnet"}\n');
  assert.throws(() => undoAgent(agent('claude-code'), home), /no Tokenwise backup/);
});
