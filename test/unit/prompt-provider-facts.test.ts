// The rules respect what providers do: no cache-order warning on a prompt shorter than the provider's minimum
// cacheable prefix, no padding warning over a handful of tokens, "size unknown" for a prompt built elsewhere,
// `tokenwise-ignore` comments, and one-line ranges.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hintText } from '../../proxy/prompts/format.ts';
import { createPromptAnalyzer } from '../../proxy/prompts/index.ts';
import { minCacheableTokens } from '../../proxy/prompts/provider-facts.ts';
import { installedPythonWasm } from '../../proxy/prompts/wasm.ts';

const analyzer = createPromptAnalyzer({ pythonWasm: installedPythonWasm() });
const style = (n: number) =>
  'Follow the house style guide for every answer you write, and cite the section you used. '.repeat(n);
/** A system prompt that starts with a run-time value, then `n` sentences of fixed text. */
const dynamicFirst = (model: string, n: number) =>
  `client.messages.create({ model: '${model}', max_tokens: 100, system: \`Today: \${today}\n${style(n)}\`, messages: [{ role: 'user', content: question }] });\n`;
const rules = async (source: string, file = 'a.ts') =>
  (await analyzer.analyze(file, source)).flatMap((r) => r.findings.map((f) => f.rule));

test('the minimum cacheable prefix per model, from the providers’ documentation', () => {
  assert.deepEqual(
    [
      'gpt-4o-mini',
      'o3',
      'claude-sonnet-4-5',
      'claude-opus-4-1',
      'claude-3-5-haiku-latest',
      'claude-haiku-4-5',
      'claude-sonnet-4-6',
      'anthropic/claude-opus-4-5',
      'some-local-model',
    ].map(minCacheableTokens),
    [1024, 1024, 1024, 1024, 2048, 4096, 2048, 4096, 1024],
  );
});

test('dynamic-before-static only where the fixed text could reach the provider’s cache minimum', async () => {
  // ~140 tokens of fixed text (the issue's 137-token prompt): no provider caches it, whatever the order.
  assert.deepEqual(await rules(dynamicFirst('claude-sonnet-4-5', 8)), []);
  // ~1,260 tokens: Sonnet caches from 1,024, so the order matters; Haiku 3.5 only from 2,048.
  assert.deepEqual(await rules(dynamicFirst('claude-sonnet-4-5', 70)), ['dynamic-before-static']);
  assert.deepEqual(await rules(dynamicFirst('claude-3-5-haiku-latest', 70)), []);
  assert.deepEqual(await rules(dynamicFirst('claude-3-5-haiku-latest', 130)), ['dynamic-before-static']);
});

test('template-padding: not over four tokens of indentation, yes over a dozen padded lines', async () => {
  const call = (lines: string[]) =>
    `openai.responses.create({ model: 'gpt-4.1', instructions: \`You write release notes.\n${lines.map((l) => `        ${l}`).join('\n')}\`, input: q });\n`;
  const sentence = (i: number) => `Rule ${i}: rewrite each commit as one plain sentence a user understands.`;
  assert.deepEqual(await rules(call([1, 2, 3, 4].map(sentence))), []);
  const source = call(Array.from({ length: 14 }, (_, i) => sentence(i)));
  const [report] = await analyzer.analyze('a.ts', source);
  const finding = report!.findings.find((f) => f.rule === 'template-padding')!;
  assert.ok(finding, JSON.stringify(report!.findings));
  // The squiggle is the first padded line, not the whole literal.
  assert.equal(source.slice(finding.start, finding.end), `        ${sentence(0)}`);
});

test('a prompt with no text written in the file is "size unknown", not a guessed token count', async () => {
  const source = `const messages = buildMessages(x);\nawait client.responses.create({ model: 'gpt-4o', input: messages });\nawait client.messages.create({ model: 'claude-sonnet-4-5', system: sys, messages });\n`;
  const reports = await analyzer.analyze('a.ts', source);
  assert.deepEqual(
    reports.map((r) => hintText(r.cost)),
    ['size unknown: built at run time (gpt-4o)', 'size unknown: built at run time (claude-sonnet-4-5)'],
  );
  const [written] = await analyzer.analyze(
    'a.ts',
    `client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Say hi' }, ...history] });`,
  );
  assert.equal(written!.cost.sizeUnknown, false);
  assert.match(hintText(written!.cost), /^≈\d+ tok/);
});

test('tokenwise-ignore silences the next line (or the call below it), optionally one rule; -file silences the file', async () => {
  const source = dynamicFirst('claude-sonnet-4-5', 70);
  assert.deepEqual(await rules(`// tokenwise-ignore\n${source}`), []);
  assert.deepEqual(await rules(`// tokenwise-ignore template-padding\n${source}`), ['dynamic-before-static']);
  assert.deepEqual(await rules(`// tokenwise-ignore dynamic-before-static\n${source}`), []);
  assert.deepEqual(await rules(`// tokenwise-ignore\n\n${source}`), ['dynamic-before-static'], 'only the next line');
  assert.deepEqual(await rules(`/* tokenwise-ignore-file */\nconst x = 1;\n\n${source}`), []);
  const python = `# tokenwise-ignore\nclient.messages.create(model="claude-sonnet-4-5", max_tokens=100, system=f"Today: {today}\\n${style(70)}", messages=[{"role": "user", "content": q}])\n`;
  assert.deepEqual(await rules(python, 'a.py'), []);
  assert.deepEqual(await rules(python.replace('# tokenwise-ignore\n', ''), 'a.py'), ['dynamic-before-static']);
});

test('a finding on a multi-line call squiggles one line', async () => {
  const source = `await client.chat.completions.create({\n  model: 'gpt-4o',\n  messages: [{ role: 'user', content: ${JSON.stringify(style(3))} }],\n});\n`;
  const [report] = await analyzer.analyze('a.ts', source, { maxTokens: 10 });
  const finding = report!.findings.find((f) => f.rule === 'over-token-budget')!;
  assert.equal(
    source.slice(finding.start, finding.end),
    'await client.chat.completions.create({'.slice('await '.length),
  );
});
