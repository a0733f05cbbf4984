import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyTermConflict, questionTerms } from '../../proxy/cache/semantic/key-terms.ts';

const conflict = (a: string, b: string) => keyTermConflict(questionTerms(a), questionTerms(b));

test('different names, numbers, quotes or ALL-CAPS terms refuse the hit', () => {
  const refused: [string, string][] = [
    ['What does `num_rows` return?', 'What does `num_columns` return?'],
    ['What does num_rows return?', 'What does num_columns return?'],
    ['How do I call DatasetDict.map?', 'How do I call Dataset.map?'],
    ['What is 2+2?', 'What is 2+3?'],
    ['Is the STREA page in v2.10.0?', 'Is the SHAR page in v2.10.0?'],
    ['How do I reverse a list in Python?', 'How do I reverse a list in Rust?'],
    ['Why does my GFCI outlet trip?', 'Why does my outlet trip?'],
    ['What does "hello world" print?', 'What does "goodbye world" print?'],
    ['Does it exist in version 2.9?', 'Does it exist in version 3.0?'],
  ];
  for (const [a, b] of refused) assert.ok(conflict(a, b), `${a} | ${b}`);
  assert.match(conflict('What does num_rows return?', 'What does num_columns return?')!, /num_rows|num_columns/);
});

test('negation, opposites, reversed directions and different question words refuse the hit', () => {
  const refused: [string, string][] = [
    ['How do I cook rice with a rice cooker?', 'How do I cook rice without a rice cooker?'],
    ['Why is my code not thread safe?', 'Why is my code thread safe?'],
    ['How do I encode base64 in Go?', 'How do I decode base64 in Go?'],
    ['How long can I keep cooked chicken?', 'How long can I keep uncooked chicken?'],
    ['How do I convert JSON to YAML?', 'How do I convert YAML to JSON?'],
    ['Is rust faster than go?', 'Is go faster than rust?'],
    ['Who founded Microsoft?', 'When was Microsoft founded?'],
    ['Why do people peel peaches?', 'How to peel peaches?'],
  ];
  for (const [a, b] of refused) assert.ok(conflict(a, b), `${a} | ${b}`);
});

test('paraphrases that keep the same terms pass the guard', () => {
  const passed: [string, string][] = [
    ['How do I reverse a list in Python?', 'how can I reverse a Python list'],
    ['What does `num_rows` return?', 'What is returned by num_rows?'],
    ['LOAD_HU does not exist in v2.10.0.', "LOAD_HU doesn't exist in version 2.10.0."],
    ['How do I convert JSON to YAML?', 'Convert JSON into YAML: how?'],
    ['What is the difference between a stock and a bond?', 'Difference between bonds and stocks?'],
    ['How many rows does this table have?', 'How many rows are in this table?'],
  ];
  for (const [a, b] of passed) assert.equal(conflict(a, b), undefined, `${a} | ${b}`);
});
