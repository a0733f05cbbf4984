import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import {
  AGENT_COMMANDS,
  COMMANDS,
  WALKTHROUGH_COMMANDS,
  PANEL_VIEW_ID,
  VIEW_CONTAINER_ID,
} from '../../extension/ids.ts';
import { COPY_TARGETS, isProxyHealth, PANEL_ACTIONS, parsePanelMessage } from '../../shared/protocol.ts';
import { connectSnippets } from '../../shared/snippets.ts';

const manifest = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

test('panel messages: well-formed ones pass, anything else is dropped', () => {
  assert.deepEqual(parsePanelMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parsePanelMessage({ type: 'copy', target: 'token', extra: 1 }), { type: 'copy', target: 'token' });
  assert.deepEqual(parsePanelMessage({ type: 'run', action: 'restartProxy' }), { type: 'run', action: 'restartProxy' });
  for (const bad of [
    null,
    'ready',
    42,
    {},
    { type: 'copy', target: 'apiKey' },
    { type: 'run', action: 'workbench.action.quit' },
    { type: 'eval', code: '1' },
  ]) {
    assert.equal(parsePanelMessage(bad), undefined, JSON.stringify(bad));
  }
});

test('every snippet the panel shows can be copied, and every panel action is a command', () => {
  for (const snippet of connectSnippets({ openai: 'http://127.0.0.1:1/v1', anthropic: 'http://127.0.0.1:1' }, 't'))
    assert.ok(COPY_TARGETS.includes(snippet.target), snippet.target);
  for (const action of PANEL_ACTIONS) assert.ok(action in COMMANDS, action);
});

test('snippets carry the endpoint and the token they are given', () => {
  const snippets = connectSnippets(
    { openai: 'http://127.0.0.1:9000/v1', anthropic: 'http://127.0.0.1:9000' },
    'tw-secret',
  );
  assert.deepEqual(
    snippets.map((s) => s.tool),
    ['openai SDK', 'Claude Code', 'Continue', 'Cline', 'Aider'],
  );
  for (const s of snippets) assert.match(s.text, /tw-secret/);
  assert.match(snippets[1]!.text, /^ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:9000 /);
  assert.match(snippets[4]!.text, /OPENAI_API_BASE=http:\/\/127\.0\.0\.1:9000\/v1/);
});

test('a health answer counts as Tokenwise only with service "tokenwise"', () => {
  assert.ok(
    isProxyHealth({
      status: 'ok',
      service: 'tokenwise',
      version: '0.1.0',
      pid: 1,
      local: { state: 'ready' },
      providers: {},
    }),
  );
  assert.ok(!isProxyHealth({ status: 'ok', pid: 1 }));
  assert.ok(!isProxyHealth({ status: 'ok', service: 'other', pid: 1 }));
  assert.ok(!isProxyHealth('ok'));
});

test('package.json contributes exactly the ids the extension registers', () => {
  const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(
    contributed,
    [...Object.values(COMMANDS), ...Object.values(AGENT_COMMANDS), ...Object.values(WALKTHROUGH_COMMANDS)].sort(),
  );
  assert.equal(manifest.contributes.viewsContainers.activitybar[0].id, VIEW_CONTAINER_ID);
  assert.equal(manifest.contributes.views[VIEW_CONTAINER_ID][0].id, PANEL_VIEW_ID);
  assert.equal(manifest.contributes.views[VIEW_CONTAINER_ID][0].type, 'webview');
  for (const item of manifest.contributes.menus['view/title'])
    assert.ok(contributed.includes(item.command), item.command);
  assert.deepEqual(manifest.activationEvents, ['onStartupFinished']);
  assert.match(manifest.engines.vscode, /^\^1\.(\d+)\./);
  assert.ok(Number(manifest.engines.vscode.match(/^\^1\.(\d+)\./)[1]) <= 100, 'code-server 4.100.3 is VS Code 1.100.3');
});
