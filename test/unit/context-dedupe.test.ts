import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dedupeRequest, expandDuplicates } from '../../proxy/context/dedupe.ts';
import { assistant, request, system, textOfMessage, tool, user, words } from './context-fixtures.ts';

const file = Array.from({ length: 80 }, (_, i) => `line ${i} of config.py with value_${i}`).join('\n');
const options = { enabled: true, minTokens: 64 };

test('a tool output read twice keeps the latest copy; the earlier one becomes a reference', () => {
  const input = request([
    user('fix it'),
    assistant('', ['c1']),
    tool('c1', file),
    assistant('', ['c2']),
    tool('c2', 'ok'),
    assistant('', ['c3']),
    tool('c3', file),
    user('now?'),
  ]);
  const result = dedupeRequest(input, options, words);
  assert.match(
    textOfMessage(result.request.messages[2]!),
    /^\[Tokenwise: identical to the tool output later in this conversation; omitted here #[0-9a-f]{12}\]$/,
  );
  assert.equal(textOfMessage(result.request.messages[6]!), file);
  assert.ok(result.after < result.before - 400);
  assert.deepEqual(expandDuplicates(result.request).messages, input.messages, 'content stays recoverable');
});

test('a copy in the system prompt stays and later copies point to it; short repeats are left alone', () => {
  const input = request([system(`Project rules:\n${file}`), user(`Project rules:\n${file}`), user('ok'), user('ok')]);
  const result = dedupeRequest(input, options, words);
  assert.equal(textOfMessage(result.request.messages[0]!), `Project rules:\n${file}`);
  assert.match(textOfMessage(result.request.messages[1]!), /in the system prompt/);
  assert.equal(textOfMessage(result.request.messages[3]!), 'ok');
  assert.deepEqual(expandDuplicates(result.request).messages, input.messages);
});

test('a file pasted in a fence matches the same file read by a tool', () => {
  const input = request([user(`My file:\n\`\`\`\n${file}\n\`\`\``), assistant('', ['c1']), tool('c1', file)]);
  const result = dedupeRequest(input, options, words);
  assert.equal(
    textOfMessage(result.request.messages[0]!),
    `My file:\n\`\`\`\n[Tokenwise: identical to the code block later in this conversation; omitted here #${textOfMessage(result.request.messages[0]!).match(/#([0-9a-f]{12})/)![1]}]\n\`\`\``,
  );
  assert.deepEqual(expandDuplicates(result.request).messages, input.messages);
});

test('the same fenced file pasted in two messages: the earlier block becomes a reference, its prose stays', () => {
  const block = `\`\`\`python\n${file}\n\`\`\``;
  const input = request([
    user(`Here is my file:\n${block}\nWhy does it fail?`),
    assistant('Looks fine.'),
    user(`Again, with the error:\n${block}\nKeyError: value_3`),
  ]);
  const result = dedupeRequest(input, options, words);
  const first = textOfMessage(result.request.messages[0]!);
  assert.match(first, /^Here is my file:\n```python\n\[Tokenwise: identical to the code block later[^\n]*\]\n```\n/);
  assert.match(first, /Why does it fail\?$/);
  assert.equal(textOfMessage(result.request.messages[2]!), textOfMessage(input.messages[2]!));
  assert.deepEqual(expandDuplicates(result.request).messages, input.messages);
});
