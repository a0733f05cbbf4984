// `tokenwise lint-prompts` as CI runs it: the built CLI on the corpus lists exactly the expected prompts, counts
// within 2% of js-tiktoken, and exits 1 only when a finding is at error level.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Tiktoken } from 'js-tiktoken/lite';
import { countingRule } from '../../proxy/context/tokens.ts';
import type { LintedPrompt } from '../../proxy/cli/lint-prompts.ts';

const repo = path.resolve(import.meta.dirname, '..', '..');
const corpus = path.join(repo, 'test', 'fixtures', 'prompts');
const expected = JSON.parse(fs.readFileSync(path.join(corpus, 'expected.json'), 'utf8')) as {
  prompts: { file: string; line: number; kind: string; model: string; findings: string[] }[];
};

const lint = (args: string[], cwd = repo) =>
  spawnSync(process.execPath, [path.join(repo, 'bin', 'tokenwise.js'), 'lint-prompts', ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });

test('--json on the corpus lists exactly the expected prompts, with js-tiktoken counts, and exits 0', async () => {
  const run = lint(['test/fixtures/prompts', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const { prompts, summary } = JSON.parse(run.stdout) as {
    prompts: LintedPrompt[];
    summary: { prompts: number; errors: number; warnings: number };
  };
  const listed = prompts.map((p) => ({
    file: path.basename(p.file),
    line: p.line,
    kind: p.kind,
    model: p.model,
    findings: p.findings.map((f) => f.rule).sort(),
  }));
  assert.deepEqual(
    listed,
    expected.prompts.map((p) => ({ ...p, findings: [...p.findings].sort() })),
  );
  assert.deepEqual([summary.prompts, summary.errors, summary.warnings], [19, 0, 5]);
  // js-tiktoken's encoder takes about a second to build: one per encoding, not one per prompt.
  const encoders = new Map<string, Tiktoken>();
  for (const p of prompts) {
    const rule = countingRule(p.model);
    if (!encoders.has(rule.encoding))
      encoders.set(rule.encoding, new Tiktoken((await import(`js-tiktoken/ranks/${rule.encoding}`)).default));
    const encoder = encoders.get(rule.encoding)!;
    const reference = p.messages.reduce((sum, m) => sum + encoder.encode(m.text, [], []).length, 0) * rule.factor;
    assert.ok(
      Math.abs(p.staticTokens - reference) <= reference * 0.02,
      `${p.file}:${p.line}: ${p.staticTokens} vs js-tiktoken ${reference}`,
    );
    assert.equal(p.tokens, p.staticTokens + p.dynamicTokens);
    assert.ok(p.costPerCall === null || p.costPerCall > 0 || p.model === 'local', `${p.file}:${p.line} is priced`);
  }
});

test('a prompt over --max-tokens is an error: the text report says so and the exit code is 1', () => {
  const run = lint(['test/fixtures/prompts/*.ts', '--max-tokens', '400']);
  assert.equal(run.status, 1, run.stderr);
  assert.match(
    run.stdout,
    /anthropic\.ts:9:\d+ {2}anthropic\.messages {2}≈477 tok · \$0\.0053\/call \(claude-sonnet-4-5\)/,
  );
  assert.match(run.stdout, /error {2}over-token-budget {2}≈477 input tokens is over the budget of 400/);
  assert.match(run.stdout, /^11 prompts in 6 files \(one call of each: \$0\.013\); 1 error, 3 warnings$/m);
});

test('the same inline system prompt in two files is flagged at the second; bad arguments are named', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-lint-'));
  try {
    const call = `import OpenAI from 'openai';\nconst client = new OpenAI();\nexport const ask = (q: string) => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'You answer questions about the internal wiki. Quote the page title and keep answers under five sentences.' }, { role: 'user', content: q }] });\n`;
    fs.writeFileSync(path.join(dir, 'a.ts'), call);
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'b.mts'), call);
    const run = lint(['**/*.*ts', '--json'], dir);
    assert.equal(run.status, 0, run.stderr);
    const { prompts } = JSON.parse(run.stdout) as { prompts: LintedPrompt[] };
    assert.deepEqual(
      prompts.map((p) => [p.file, p.findings.map((f) => f.message)]),
      [
        ['a.ts', []],
        [path.join('sub', 'b.mts'), [prompts[1]!.findings[0]!.message]],
      ],
    );
    assert.match(prompts[1]!.findings[0]!.message, /same system prompt is written at a\.ts:3/);
    // A call naming no model is priced on the proxy's configured default cloud model.
    fs.writeFileSync(path.join(dir, 'tokenwise.json'), JSON.stringify({ defaultCloudModel: 'gpt-4.1' }));
    const configured = lint([
      path.join(corpus, 'langchain.ts'),
      '--json',
      '--config',
      path.join(dir, 'tokenwise.json'),
    ]);
    assert.deepEqual(
      (JSON.parse(configured.stdout) as { prompts: LintedPrompt[] }).prompts.map((p) => p.model),
      ['gpt-4.1', 'gpt-4.1'],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const missing = lint(['no/such/file.ts']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /"no\/such\/file\.ts" matches no file/);
  const badBudget = lint(['test/fixtures/prompts', '--max-tokens', 'lots']);
  assert.equal(badBudget.status, 2);
  assert.match(badBudget.stderr, /--max-tokens: expected a whole number, got "lots"/);
});

test("a glob that matches no file exits 2 naming it (a CI typo must not pass); .gitignore'd files are skipped", () => {
  const typo = lint(['test/fixtures/prompt/*.ts', 'test/fixtures/prompts/openai.ts']);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /"test\/fixtures\/prompt\/\*\.ts" matches no file/);
  assert.equal(typo.stdout, '');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-lint-ignore-'));
  try {
    const call = `import OpenAI from 'openai';\nconst client = new OpenAI();\nexport const ask = (q: string) => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: q }] });\n`;
    fs.writeFileSync(path.join(dir, 'kept.ts'), call);
    fs.mkdirSync(path.join(dir, 'generated'));
    fs.writeFileSync(path.join(dir, 'generated', 'client.ts'), call);
    fs.writeFileSync(path.join(dir, 'ignored.ts'), call);
    fs.writeFileSync(path.join(dir, '.gitignore'), 'generated/\nignored.ts\n');
    for (const args of [['**/*.ts'], ['.']]) {
      const run = lint([...args, '--json'], dir);
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(
        (JSON.parse(run.stdout) as { prompts: LintedPrompt[] }).prompts.map((p) => p.file),
        ['kept.ts'],
        args.join(' '),
      );
    }
    const named = lint(['ignored.ts', '--json'], dir);
    assert.deepEqual(
      (JSON.parse(named.stdout) as { prompts: LintedPrompt[] }).prompts.map((p) => p.file),
      ['ignored.ts'],
      'a file named outright is read',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
