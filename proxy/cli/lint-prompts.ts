/**
 * @module `tokenwise lint-prompts <files or globs> [--json] [--max-tokens N] [--model NAME]`: the editor's prompt
 * analysis for CI. Prints every prompt found (file, line, model, tokens, $/call, findings); the exit code is 1 when
 * a finding is at error level (a prompt over the token budget), so bloated prompts stay out of the main branch.
 */
import fs from 'node:fs';
import { globby } from 'globby';
import path from 'node:path';
import {
  createPromptAnalyzer,
  DEFAULT_ANALYSIS_OPTIONS,
  type AnalysisOptions,
  type PromptReport,
} from '../prompts/index.ts';
import { messageTexts } from '../prompts/cost.ts';
import { dollars, hintText } from '../prompts/format.ts';
import { toJson } from './output.ts';
import { createProgress } from './progress.ts';
import { duplicateSystemPrompts } from '../prompts/rules.ts';
import { installedPythonWasm } from '../prompts/wasm.ts';
import { UsageError } from './args.ts';

export interface LintOptions {
  json: boolean;
  maxTokens?: number;
  /** The model for calls that name none (`--model`, else the proxy's `defaultCloudModel`). */
  model?: string;
  /** The proxy's pricing settings: `usage.localCostPerHour` and `usage.priceOverrides`. */
  pricing?: Pick<AnalysisOptions, 'localCostPerHour' | 'priceOverrides'>;
  cwd?: string;
}

/** One prompt as the command prints it. */
export interface LintedPrompt {
  file: string;
  line: number;
  column: number;
  kind: string;
  model: string;
  tokens: number;
  estimated: boolean;
  staticTokens: number;
  dynamicTokens: number;
  expectedOutputTokens: number;
  costPerCall: number | null;
  cachedCostPerCall: number | null;
  localCostPerCall: number;
  /** Each message's text as resolved in the file (run-time values left out): what `staticTokens` counts. */
  messages: { role: string; text: string }[];
  findings: { rule: string; severity: string; message: string; line: number; column: number; fix?: string }[];
}

/** Never prompts of this code base, even where no .gitignore says so. */
const SKIP_DIRS = ['node_modules', '.git', 'dist', 'out', '.venv', 'venv', '__pycache__'].map((dir) => `**/${dir}/**`);

/**
 * Files for the arguments: a file, a folder (walked), or a glob. Folders and globs skip what .gitignore ignores; a
 * file named outright is read even so. An argument that matches no file is a mistake (a CI typo must not pass).
 */
export async function expandFiles(
  patterns: string[],
  cwd: string,
  supports: (file: string) => boolean,
): Promise<string[]> {
  const files = new Set<string>();
  for (const pattern of patterns) {
    const absolute = path.resolve(cwd, pattern);
    const stat = fs.statSync(absolute, { throwIfNoEntry: false });
    if (stat?.isFile()) {
      files.add(absolute);
      continue;
    }
    const found = stat?.isDirectory()
      ? (await globby('**/*', { cwd: absolute, gitignore: true, absolute: true, ignore: SKIP_DIRS })).filter(supports)
      : await globby(pattern, { cwd, gitignore: true, absolute: true, ignore: SKIP_DIRS });
    if (!stat && !found.length) throw new UsageError(`lint-prompts: "${pattern}" matches no file`);
    for (const file of found) files.add(path.normalize(file));
  }
  return [...files].sort();
}

export async function lintPromptsCommand(
  patterns: string[],
  options: LintOptions,
): Promise<{ output: string; exitCode: number }> {
  if (!patterns.length)
    throw new UsageError(
      'lint-prompts: name the files, folders or globs to analyze, e.g. tokenwise lint-prompts "src/**/*.ts"',
    );
  if (options.maxTokens !== undefined && !(Number.isInteger(options.maxTokens) && options.maxTokens > 0))
    throw new UsageError('lint-prompts: --max-tokens must be a positive whole number');
  const cwd = options.cwd ?? process.cwd();
  const analyzer = createPromptAnalyzer({ pythonWasm: installedPythonWasm() });
  const analysis = {
    ...options.pricing,
    ...(options.maxTokens ? { maxTokens: options.maxTokens } : {}),
    ...(options.model ? { defaultModel: options.model } : {}),
  };
  const found: { file: string; source: string; report: PromptReport }[] = [];
  const sources = (await expandFiles(patterns, cwd, analyzer.supports)).filter(analyzer.supports);
  const progress = createProgress('lint-prompts: files');
  for (const [i, file] of sources.entries()) {
    progress.update(i, sources.length);
    const source = fs.readFileSync(file, 'utf8');
    for (const report of await analyzer.analyze(file, source, analysis))
      found.push({ file: path.relative(cwd, file) || file, source, report });
  }
  progress.finish();
  // Within a file the analyzer already compared system prompts; across files, here.
  const sites = found.map((entry) => ({
    ...entry,
    start: entry.report.start,
    end: entry.report.end,
    inlineSystem: entry.report.inlineSystem,
  }));
  const across = duplicateSystemPrompts(sites, (f) => `${f.file}:${position(f.source, f.start).line}`);
  for (const [entry, finding] of across) {
    if (!entry.report.findings.some((f) => f.rule === finding.rule)) entry.report.findings.push(finding);
  }
  const prompts = found.map(({ file, source, report }) => toLinted(file, source, report));
  const errors = prompts.reduce((n, p) => n + p.findings.filter((f) => f.severity === 'error').length, 0);
  const warnings = prompts.reduce((n, p) => n + p.findings.filter((f) => f.severity === 'warning').length, 0);
  const files = new Set(prompts.map((p) => p.file)).size;
  const summary = {
    prompts: prompts.length,
    files,
    errors,
    warnings,
    maxTokens: options.maxTokens ?? DEFAULT_ANALYSIS_OPTIONS.maxTokens,
  };
  const output = options.json ? toJson({ prompts, summary }) : text(found, prompts, summary);
  return { output, exitCode: errors ? 1 : 0 };
}

function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function toLinted(file: string, source: string, report: PromptReport): LintedPrompt {
  const { cost } = report;
  return {
    file,
    ...position(source, report.start),
    kind: report.kind,
    model: cost.model,
    tokens: cost.inputTokens,
    estimated: cost.estimated,
    staticTokens: cost.staticTokens,
    dynamicTokens: cost.dynamicTokens,
    expectedOutputTokens: cost.expectedOutputTokens,
    costPerCall: cost.costPerCall,
    cachedCostPerCall: cost.cachedCostPerCall,
    localCostPerCall: cost.localCostPerCall,
    messages: report.messages.map((m, i) => ({ role: m.role, text: messageTexts(report)[i]! })),
    findings: report.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      ...position(source, f.start),
      ...(f.fix ? { fix: f.fix.title } : {}),
    })),
  };
}

function text(
  found: { report: PromptReport }[],
  prompts: LintedPrompt[],
  summary: { prompts: number; files: number; errors: number; warnings: number },
): string {
  const lines: string[] = [];
  for (const [i, p] of prompts.entries()) {
    lines.push(`${p.file}:${p.line}:${p.column}  ${p.kind}  ${hintText(found[i]!.report.cost)}`);
    for (const f of p.findings)
      lines.push(
        `  ${p.file}:${f.line}:${f.column}  ${f.severity}  ${f.rule}  ${f.message}${f.fix ? `  (fix: ${f.fix})` : ''}`,
      );
  }
  const total = prompts.reduce((sum, p) => sum + (p.costPerCall ?? 0), 0);
  lines.push(
    `${summary.prompts} prompt${summary.prompts === 1 ? '' : 's'} in ${summary.files} file${summary.files === 1 ? '' : 's'} (one call of each: ${dollars(total)}); ${summary.errors} error${summary.errors === 1 ? '' : 's'}, ${summary.warnings} warning${summary.warnings === 1 ? '' : 's'}`,
  );
  return `${lines.join('\n')}\n`;
}
