import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runtimeClosure } from '../../extension/vsix.ts';

test('the .vsix carries the proxy’s runtime modules with this platform’s CPU build only', () => {
  const names = runtimeClosure(['node-llama-cpp', 'node-sqlite3-wasm']).map((p) => p.name);
  for (const name of ['node-llama-cpp', 'node-sqlite3-wasm', `@node-llama-cpp/${process.platform === 'darwin' ? 'mac' : process.platform === 'win32' ? 'win' : 'linux'}-${process.arch}`, 'lifecycle-utils']) {
    assert.ok(names.includes(name), name);
  }
  assert.ok(!names.some((n) => /cuda|vulkan|arm64|armv7l/.test(n) && process.arch === 'x64'), names.filter((n) => n.startsWith('@node-llama-cpp')).join(', '));
  assert.ok(!names.includes('express'), 'bundled modules stay out');
});
