import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runtimeClosure, targetBackend } from '../../scripts/vsix.ts';

test('the .vsix carries the proxy’s runtime modules with this platform’s CPU build only', () => {
  const names = runtimeClosure(['node-llama-cpp', 'node-sqlite3-wasm']).map((p) => p.name);
  for (const name of [
    'node-llama-cpp',
    'node-sqlite3-wasm',
    `@node-llama-cpp/${process.platform === 'darwin' ? 'mac' : process.platform === 'win32' ? 'win' : 'linux'}-${process.arch}`,
    'lifecycle-utils',
  ]) {
    assert.ok(names.includes(name), name);
  }
  assert.ok(
    !names.some((n) => /cuda|vulkan|arm64|armv7l/.test(n) && process.arch === 'x64'),
    names.filter((n) => n.startsWith('@node-llama-cpp')).join(', '),
  );
  assert.ok(!names.includes('express'), 'bundled modules stay out');
});

test('each target stages its own llama.cpp build and no other platform’s', () => {
  assert.equal(targetBackend('darwin-arm64'), '@node-llama-cpp/mac-arm64-metal');
  assert.equal(targetBackend('win32-x64'), '@node-llama-cpp/win-x64');
  assert.equal(targetBackend('linux-arm64'), '@node-llama-cpp/linux-arm64');
  const llamaBuilds = (target: string) =>
    runtimeClosure(['node-llama-cpp'], undefined, targetBackend(target))
      .map((p) => p.name)
      .filter((n) => n.startsWith('@node-llama-cpp/'));
  // Installed here only for linux: another platform's build is absent from the closure (it is fetched at package time).
  assert.deepEqual(llamaBuilds('darwin-arm64'), []);
  if (process.platform === 'linux' && process.arch === 'x64') {
    assert.deepEqual(llamaBuilds('linux-x64'), ['@node-llama-cpp/linux-x64']);
    assert.deepEqual(llamaBuilds('linux-arm64'), ['@node-llama-cpp/linux-arm64']);
  }
});
