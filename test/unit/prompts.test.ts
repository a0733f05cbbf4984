// Prompt analysis on the corpus in test/fixtures/prompts: every expected prompt found with its model and findings,
// nothing on the strings that are not prompts, token counts against plain js-tiktoken, and quick fixes that leave
// valid code with fewer tokens (or, for a reorder, more of the prompt cacheable).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { Tiktoken } from 'js-tiktoken/lite';
import ts from 'typescript';
import { countingRule } from '../../proxy/context/tokens.ts';
import { messageTexts } from '../../proxy/prompts/cost.ts';
import { breakdownLines, dollars, hintText } from '../../proxy/prompts/format.ts';
import { createPromptAnalyzer, type PromptReport } from '../../proxy/prompts/index.ts';
import { loadPythonParser } from '../../proxy/prompts/python.ts';
import type { Fix } from '../../proxy/prompts/types.ts';
import { installedPythonWasm } from '../../proxy/prompts/wasm.ts';

const corpus = path.resolve(import.meta.dirname, '..', 'fixtures', 'prompts');
const expected = JSON.parse(fs.readFileSync(path.join(corpus, 'expected.json'), 'utf8')) as {
  prompts: { file: string; line: number; kind: string; model: string; findings: string[] }[];
  notPrompts: string[];
};
const analyzer = createPromptAnalyzer({ pythonWasm: installedPythonWasm() });
const files = fs
  .readdirSync(corpus)
  .filter((f) => analyzer.supports(f))
  .sort();
const sources = new Map(files.map((f) => [f, fs.readFileSync(path.join(corpus, f), 'utf8')]));
const lineOf = (source: string, offset: number) => source.slice(0, offset).split('\n').length;
let reports: Map<string, PromptReport[]>;

before(async () => {
  reports = new Map();
  for (const file of files) reports.set(file, await analyzer.analyze(file, sources.get(file)!));
});

const encoders = new Map<string, Tiktoken>();
async function tiktoken(model: string): Promise<{ encoder: Tiktoken; factor: number }> {
  const rule = countingRule(model);
  if (!encoders.has(rule.encoding))
    encoders.set(rule.encoding, new Tiktoken((await import(`js-tiktoken/ranks/${rule.encoding}`)).default));
  return { encoder: encoders.get(rule.encoding)!, factor: rule.factor };
}

function apply(source: string, fix: Fix): string {
  let out = source;
  for (const edit of [...fix.edits].sort((a, b) => b.start - a.start))
    out = out.slice(0, edit.start) + edit.newText + out.slice(edit.end);
  return out;
}

describe('the corpus', () => {
  test('every expected prompt is found, with its kind, model and findings, and nothing else', () => {
    const found = [...reports].flatMap(([file, list]) =>
      list.map((r) => ({
        file,
        line: lineOf(sources.get(file)!, r.start),
        kind: r.kind,
        model: r.cost.model,
        findings: r.findings.map((f) => f.rule).sort(),
      })),
    );
    assert.deepEqual(
      found,
      expected.prompts.map((p) => ({ ...p, findings: [...p.findings].sort() })),
    );
  });

  test('strings that are not prompts (SQL, HTML, log lines, test fixtures) get no hint', () => {
    assert.deepEqual(reports.get('not-prompts.ts'), []);
    assert.deepEqual(reports.get('not_prompts.py'), []);
    for (const [file, list] of reports) {
      for (const report of list)
        for (const text of expected.notPrompts)
          assert.ok(!report.resolvedText.includes(text), `${file}: "${text}" is not a prompt`);
    }
  });

  test('token counts are within 2% of js-tiktoken on the resolved text', async () => {
    for (const [file, list] of reports) {
      for (const report of list) {
        const { encoder, factor } = await tiktoken(report.cost.model);
        const reference =
          messageTexts(report).reduce((sum, text) => sum + encoder.encode(text, [], []).length, 0) * factor;
        assert.ok(
          Math.abs(report.cost.staticTokens - reference) <= reference * 0.02 + 1e-9,
          `${file}:${lineOf(sources.get(file)!, report.start)} counted ${report.cost.staticTokens}, js-tiktoken ${reference}`,
        );
        assert.equal(report.cost.inputTokens, report.cost.staticTokens + report.cost.dynamicTokens);
      }
    }
  });

  test('resolved text: constants, template literals, join, dedent and f-strings are followed within the file', () => {
    const [billing] = reports.get('openai-chat.ts')!;
    assert.match(messageTexts(billing!)[0]!, /^You are the billing assistant for Acme Cloud\./);
    assert.deepEqual(
      billing!.messages[1]!.parts.map((p) => p.kind),
      ['static', 'dynamic', 'static', 'dynamic'],
    );
    const [answer] = reports.get('support_bot.py')!;
    assert.match(messageTexts(answer!)[0]!, /^You are the booking assistant for Wayfare Travel\.\nAnswer questions/);
    const [tagline] = reports.get('ai-sdk.ts')!;
    assert.match(messageTexts(tagline!)[0]!, /Tone: Friendly, concrete, no superlatives\.$/);
    const [prompty] = reports.get('classify.prompty')!;
    assert.deepEqual(
      prompty!.messages.map((m) => m.role),
      ['system', 'user'],
    );
  });
});

describe('quick fixes', () => {
  test('every fix leaves code that parses, and a prompt that costs fewer tokens or caches more', async () => {
    const python = await loadPythonParser(installedPythonWasm());
    let fixes = 0;
    for (const [file, list] of reports) {
      const source = sources.get(file)!;
      for (const [index, report] of list.entries()) {
        for (const finding of report.findings) {
          if (!finding.fix) continue;
          fixes++;
          const fixed = apply(source, finding.fix);
          const where = `${file} ${finding.rule}`;
          if (file.endsWith('.py')) {
            const tree = python.parse(fixed)!;
            assert.equal(tree.rootNode.hasError, false, `${where}: the fixed Python parses`);
            tree.delete();
          } else {
            const { diagnostics } = ts.transpileModule(fixed, { fileName: file, reportDiagnostics: true });
            assert.deepEqual(
              diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
              [],
              `${where}: the fixed code parses`,
            );
          }
          const after = (await analyzer.analyze(file, fixed))[index]!;
          // A compact JSON.stringify is still a whole object in the prompt: that finding stays, without its fix.
          if (finding.rule === 'large-json-interpolation')
            assert.ok(!after.findings.some((f) => f.rule === finding.rule && f.fix), `${where}: nothing left to fix`);
          else assert.ok(!after.findings.some((f) => f.rule === finding.rule), `${where}: the finding is gone`);
          const uncached = (r: PromptReport) => r.cost.inputTokens - r.cost.cacheablePrefixTokens;
          if (finding.rule === 'dynamic-before-static')
            assert.ok(
              uncached(after) < uncached(report),
              `${where}: ${uncached(after)} < ${uncached(report)} tokens outside the cacheable prefix`,
            );
          else
            assert.ok(
              after.cost.inputTokens < report.cost.inputTokens,
              `${where}: ${after.cost.inputTokens} < ${report.cost.inputTokens} tokens`,
            );
        }
      }
    }
    assert.equal(fixes, 4);
  });
});

describe('rules', () => {
  test('over the token budget is an error; the same inline system prompt at two call sites is flagged once', async () => {
    const source = sources.get('openai-chat.ts')!;
    const list = await analyzer.analyze('openai-chat.ts', source, { maxTokens: 60 });
    assert.deepEqual(
      list.map((r) => r.findings.filter((f) => f.rule === 'over-token-budget').map((f) => f.severity)),
      [['error'], [], ['error']],
    );
    assert.match(list[2]!.findings.find((f) => f.rule === 'duplicate-system-prompt')!.message, /line 24/);
  });

  test('dynamic content first: the reorder moves the run-time line after the fixed text', async () => {
    const source =
      'const r = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "system", content: `Today: ${today}\n' +
      'Follow the house style guide for every answer you write, and cite the section you used. '.repeat(70) +
      '` }] });\n';
    const [report] = await analyzer.analyze('a.ts', source);
    const finding = report!.findings.find((f) => f.rule === 'dynamic-before-static')!;
    const fixed = apply(source, finding.fix!);
    assert.match(fixed, /cite the section you used\. \n\nToday: \$\{today\}`/);
    assert.ok(report!.cost.cacheablePrefixTokens < 5);
    assert.ok(
      (await analyzer.analyze('a.ts', fixed))[0]!.cost.cacheablePrefixTokens >= report!.cost.staticTokens - 2,
      'all the fixed text is now the prefix',
    );
  });

  test('a model the call does not name is the configured default', async () => {
    const [report] = await analyzer.analyze(
      'a.ts',
      'client.chat.completions.create({ model, messages: [{ role: "user", content: "Say hi" }] })',
      { defaultModel: 'gpt-4.1-mini' },
    );
    assert.equal(report!.cost.model, 'gpt-4.1-mini');
    assert.equal(report!.cost.modelFromCall, false);
  });
});

describe('big files', () => {
  const filler = (n: number, python: boolean) =>
    Array.from({ length: n }, (_, i) =>
      python
        ? `def format_row_${i}(row):\n    return f"<td>{row[${i % 7}]}</td>"\n\n`
        : `export function formatRow${i}(row: string[]): string {\n  return \`<td>\${row[${i % 7}]}</td>\`;\n}\n\n`,
    ).join('');
  const summary = (list: PromptReport[]) =>
    list.map((r) => [
      r.kind,
      r.start,
      r.end,
      r.resolvedText,
      r.cost.inputTokens,
      r.findings.map((f) => [f.rule, f.start, f.end, f.fix?.edits]),
    ]);

  test('blocks that cannot hold a prompt are skipped without changing what is found', async () => {
    for (const file of ['openai-chat.ts', 'anthropic.ts', 'support_bot.py']) {
      const source = sources.get(file)!;
      // The filler goes first, so every offset found in the shorter text has to be moved back.
      const padding = filler(400, file.endsWith('.py'));
      const big = `${padding}${source}`;
      assert.ok(big.length > 20_000);
      const shifted = (await analyzer.analyze(file, big)).map((r) => ({
        ...r,
        start: r.start - padding.length,
        end: r.end - padding.length,
        findings: r.findings.map((f) => ({
          ...f,
          start: f.start - padding.length,
          end: f.end - padding.length,
          ...(f.fix
            ? {
                fix: {
                  ...f.fix,
                  edits: f.fix.edits.map((e) => ({
                    ...e,
                    start: e.start - padding.length,
                    end: e.end - padding.length,
                  })),
                },
              }
            : {}),
        })),
      }));
      assert.deepEqual(summary(shifted), summary(reports.get(file)!), file);
    }
  });

  test('a prompt whose text has a line that looks like a top-level statement is still read whole', async () => {
    const source = `const SYSTEM = \`You sort support tickets.\nclass of ticket: billing, outage or other.\nfunction of the reply: one word.\`;\n${filler(400, false)}\nexport const ask = (q: string) => client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: q }] });\n`;
    const [report] = await analyzer.analyze('big.ts', source);
    assert.equal(
      messageTexts(report!)[0],
      'You sort support tickets.\nclass of ticket: billing, outage or other.\nfunction of the reply: one word.',
    );
  });
});

describe('cost', () => {
  test('a static prefix of 1,024 tokens or more is priced as cached; the breakdown shows every figure', async () => {
    const rules = 'Answer in the house style: short sentences, no jargon, cite the policy section you used. '.repeat(
      70,
    );
    const source = `const SYSTEM = ${JSON.stringify(rules)};\nclient.chat.completions.create({ model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: question }] });\n`;
    const [report] = await analyzer.analyze('a.ts', source);
    const { cost } = report!;
    assert.ok(
      cost.cacheablePrefixTokens >= 1024 && cost.cacheablePrefixTokens === cost.staticTokens,
      JSON.stringify(cost),
    );
    assert.equal(cost.expectedOutputTokens, 100);
    // gpt-4o: $2.50 input, $1.25 cached input, $10 output per million tokens.
    const expected = (fresh: number, cached: number) => (fresh * 2.5 + cached * 1.25 + 100 * 10) / 1e6;
    assert.ok(Math.abs(cost.costPerCall! - expected(cost.inputTokens, 0)) < 1e-12);
    assert.ok(
      Math.abs(
        cost.cachedCostPerCall! - expected(cost.inputTokens - cost.cacheablePrefixTokens, cost.cacheablePrefixTokens),
      ) < 1e-12,
    );
    const lines = breakdownLines(cost);
    assert.match(
      lines.join('\n'),
      new RegExp(`with the ${cost.cacheablePrefixTokens.toLocaleString('en')}-token prefix cached: \\$0\\.00`),
    );
    assert.match(lines.join('\n'), /per 1,000 calls: \$\d+\.\d\d\non the local tier: \$0\.00\/call/);
  });
});

describe('the hint', () => {
  test('reads as tokens, dollars per call and the model', () => {
    const [billing] = reports.get('openai-chat.ts')!;
    assert.match(hintText(billing!.cost), /^≈\d+ tok · \$0\.00\d\d\/call \(gpt-4o\)$/);
    assert.equal(dollars(0.0031), '$0.0031');
    assert.equal(dollars(0.000034), '$0.000034');
    assert.equal(dollars(1234.5), '$1,234.50');
    assert.equal(dollars(null), '$?');
  });
});
