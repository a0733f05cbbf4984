import assert from 'node:assert/strict';
import { test } from 'node:test';
import { truncateText, truncateToolOutputs } from '../../proxy/context/truncate.ts';
import { assistant, request, textOfMessage, tool, user, words } from './context-fixtures.ts';

const log = [
  ...Array.from({ length: 300 }, (_, i) => `collecting package number ${i} from the index server`),
  'Traceback (most recent call last):',
  '  File "/repo/src/marshmallow/fields.py", line 1114, in _serialize',
  'AttributeError: NoneType object has no attribute total_seconds',
  ...Array.from({ length: 300 }, (_, i) => `running step number ${i} of the build quietly`),
  'tests/test_fields.py::test_timedelta FAILED',
  ...Array.from({ length: 300 }, (_, i) => `cleaning temporary file number ${i} in the cache`),
  '1 failed, 12 passed in 0.31s',
].join('\n');

test('a long output keeps head, tail and the error lines from the middle, with marked cuts', () => {
  const cut = truncateText(log, 400, 0.4, words);
  assert.ok(words.text(cut) <= 460, `about the limit (${words.text(cut)})`);
  assert.ok(cut.startsWith('collecting package number 0 '));
  assert.ok(cut.endsWith('1 failed, 12 passed in 0.31s'));
  for (const line of [
    'Traceback (most recent call last):',
    '  File "/repo/src/marshmallow/fields.py", line 1114, in _serialize',
    'AttributeError: NoneType object has no attribute total_seconds',
    'tests/test_fields.py::test_timedelta FAILED',
  ])
    assert.ok(cut.includes(line), `keeps ${line}`);
  assert.match(cut, /\[… Tokenwise omitted lines \d+–\d+ \(\d+ lines\) …\]/);
});

test('lines naming what the call asked for survive too; short outputs are untouched', () => {
  const haystack = Array.from({ length: 500 }, (_, i) =>
    i === 250 ? 'def compute_checksum(data):' : `plain filler line ${i} here`,
  ).join('\n');
  assert.ok(
    truncateText(haystack, 200, 0.4, words, '{"command":"grep -n compute_checksum src"}').includes(
      'def compute_checksum(data):',
    ),
  );
  assert.equal(truncateText('short output', 200, 0.4, words), 'short output');
});

test('tool results the request ends with get the larger limit', () => {
  const input = request([user('go'), assistant('', ['a']), tool('a', log), assistant('', ['b']), tool('b', log)]);
  const result = truncateToolOutputs(
    input,
    { enabled: true, maxTokens: 300, maxTokensLatest: 100_000, headShare: 0.4 },
    words,
  );
  assert.ok(words.text(textOfMessage(result.request.messages[2]!)) < 400);
  assert.equal(textOfMessage(result.request.messages[4]!), log);
  assert.ok(result.after < result.before);
});
