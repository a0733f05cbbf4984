import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeText, normalizeWhitespace } from '../../proxy/context/normalize.ts';
import { request, tool, user, words } from './context-fixtures.ts';
import { parsedFrom, wireOf } from '../../proxy/wire.ts';

test('prose: trailing whitespace, blank-line runs and block-wide indentation go', () => {
  assert.equal(normalizeText('a  \n\n\n\n  b\t\n', false), 'a\n\n  b', 'relative indentation stays');
  assert.equal(
    normalizeText('        You are a helper.\n        Be brief.\n          - nested', false),
    'You are a helper.\nBe brief.\n  - nested',
  );
});

test('fenced code keeps its indentation and blank lines; only trailing whitespace goes', () => {
  const code = 'Fix this:\n\n```python\ndef f():   \n    if x:\n\n\n\n        return 1\n```\n\n\n\nThanks';
  assert.equal(
    normalizeText(code, false),
    'Fix this:\n\n```python\ndef f():\n    if x:\n\n\n\n        return 1\n```\n\nThanks',
  );
});

test('diffs stay byte for byte: a context line of one space is data', () => {
  const fenced = 'Apply:\n```diff\n@@ -1,3 +1,3 @@\n \n-a  \n+b\n```';
  assert.equal(normalizeText(fenced, false), fenced);
  const raw = 'diff --git a/x b/x\n@@ -1 +1 @@\n \n-a\n+b   ';
  assert.equal(normalizeText(raw, false), raw);
});

test('tool output keeps every line (line numbers refer to them); whitespace-only text is left alone', () => {
  assert.equal(normalizeText('1: a   \n2:\n\n\n\n5: b\n\n', true), '1: a\n2:\n\n\n\n5: b');
  assert.equal(normalizeText('   \n ', false), '   \n ');
});

test('the strategy reports tokens, drops the caller body only when it changed something', () => {
  const clean = parsedFrom(request([user('hello there')]), { api: 'openai', body: {} });
  const same = normalizeWhitespace(clean, words);
  assert.equal(same.request, clean);
  const messy = parsedFrom(request([user('hello   \n\n\n\nthere'), tool('c1', 'x  ')]), { api: 'openai', body: {} });
  const result = normalizeWhitespace(messy, words);
  assert.equal(wireOf(result.request), undefined);
  assert.equal(
    result.request.messages[0]!.content[0]!.type === 'text' && result.request.messages[0]!.content[0]!.text,
    'hello\n\nthere',
  );
  assert.equal(result.before, result.after, 'words do not change: the word counter sees no saving');
});
