/**
 * @module Prompt analysis, shared by the editor's inline hints and `tokenwise lint-prompts`: finds the prompts in a
 * source file (TypeScript/JavaScript, Python, prompt files), prices them and runs the rules. Pure: no editor, no
 * HTTP. The parsers load on first use (TypeScript ~9 MB of JavaScript, tree-sitter's WebAssembly), so nothing is
 * paid until a file with prompts is analyzed.
 *
 * @example
 * const analyzer = createPromptAnalyzer({ pythonWasm: defaultPythonWasm() });
 * const reports = await analyzer.analyze('app.ts', source);
 */
import type * as TS from 'typescript';
import type { Parser } from 'web-tree-sitter';
import { DEFAULT_COST_OPTIONS, messageTexts, PromptPricer, type CostOptions } from './cost.ts';
import { findPromptFilePrompt, isPromptFile } from './prompt-files.ts';
import { findPythonPrompts, isPythonFile, loadPythonParser, type PythonWasm } from './python.ts';
import { duplicateSystemPrompts, promptFindings, type RuleOptions } from './rules.ts';
import { ignoreDirectives, isIgnored, lineIndex, narrowed } from './suppress.ts';
import { findScriptPrompts, isScriptFile } from './typescript.ts';
import type { FoundPrompt, PromptReport } from './types.ts';

export type { Finding, Fix, PromptCost, PromptReport, RuleName, TextEdit } from './types.ts';
export type { PythonWasm } from './python.ts';

export interface AnalysisOptions extends CostOptions, RuleOptions {}

export const DEFAULT_ANALYSIS_OPTIONS: AnalysisOptions = { ...DEFAULT_COST_OPTIONS, maxTokens: 8000 };

export interface AnalyzerDeps {
  pythonWasm: PythonWasm;
  /** How to load the TypeScript compiler (the extension's bundle hands in its own copy). */
  loadTypeScript?: () => Promise<typeof TS>;
}

export interface PromptAnalyzer {
  /** The prompts in one file, priced, with findings (the same system prompt at two call sites included). */
  analyze(fileName: string, source: string, options?: Partial<AnalysisOptions>): Promise<PromptReport[]>;
  /** Whether the analyzer reads this kind of file. */
  supports(fileName: string): boolean;
}

/** The compiler is CommonJS: Node's ESM loader puts it under `default`. */
async function importTypeScript(): Promise<typeof TS> {
  const module = (await import('typescript')) as unknown as { default?: typeof TS } & typeof TS;
  return module.default ?? module;
}

export function createPromptAnalyzer(deps: AnalyzerDeps): PromptAnalyzer {
  let typescript: Promise<typeof TS> | undefined;
  let python: Promise<Parser> | undefined;
  const loadTypeScript = deps.loadTypeScript ?? importTypeScript;

  async function find(fileName: string, source: string): Promise<FoundPrompt[]> {
    if (isPromptFile(fileName)) return findPromptFilePrompt(fileName, source);
    if (isPythonFile(fileName)) return findPythonPrompts(await (python ??= loadPythonParser(deps.pythonWasm)), source);
    if (isScriptFile(fileName)) return findScriptPrompts(await (typescript ??= loadTypeScript()), fileName, source);
    return [];
  }

  return {
    supports: (fileName) => isPromptFile(fileName) || isPythonFile(fileName) || isScriptFile(fileName),
    async analyze(fileName, source, overrides = {}) {
      const options = { ...DEFAULT_ANALYSIS_OPTIONS, ...overrides };
      const pricer = new PromptPricer(options);
      const reports: PromptReport[] = [];
      for (const prompt of await find(fileName, source)) {
        const counter = await pricer.counterFor(prompt);
        const priced = { ...prompt, resolvedText: messageTexts(prompt).join('\n'), cost: pricer.cost(prompt, counter) };
        reports.push({ ...priced, findings: promptFindings(priced, source, (text) => counter.text(text), options) });
      }
      const lineOf = lineIndex(source);
      for (const [report, finding] of duplicateSystemPrompts(reports, (r) => `line ${lineOf(r.start) + 1}`))
        report.findings.push(finding);
      const ignores = ignoreDirectives(source);
      for (const report of reports) {
        report.findings = report.findings
          .map((f) => narrowed(f, source))
          .filter((f) => !isIgnored(ignores, f.rule, [lineOf(f.start), lineOf(report.start)]));
      }
      return reports;
    },
  };
}
