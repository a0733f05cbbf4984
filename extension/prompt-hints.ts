/**
 * @module Inline prompt cost hints, the way Import Cost shows a dependency's size: after each prompt in the visible
 * editors, `≈1,240 tok · $0.0031/call (gpt-4o)`, a hover with the breakdown, and warnings (rule name as the code)
 * with quick fixes. Analysis runs debounced per document, only for visible editors, cached by content hash; a
 * result for a document that changed meanwhile is dropped. The analysis runs in a worker thread started on first use.
 * The hint is coloured by its cost per call; on a line too long to see its end it moves to a CodeLens above.
 */
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import { breakdownLines, hintText } from '../proxy/prompts/format.ts';
import type { PromptReport } from '../proxy/prompts/index.ts';
import { parsePromptHintSettings, type HintSeverity, type PromptHintSettings } from './prompt-hint-settings.ts';
import { costLevel, placement, severityOf, type CostLevel } from './prompt-hint-style.ts';
import { PromptAnalysisWorker } from './prompt-worker.ts';

const DEBOUNCE_MS = 300;
const CACHE_ENTRIES = 64;
const DIAGNOSTIC_SOURCE = 'tokenwise';
/** Files on this machine, over a remote connection (code-server, SSH), and unsaved ones. */
const SCHEMES = ['file', 'vscode-remote', 'untitled'];
/** Untitled documents have no file name: their language says which finder reads them. */
const LANGUAGE_FILES: Record<string, string> = {
  typescript: 'untitled.ts',
  typescriptreact: 'untitled.tsx',
  javascript: 'untitled.js',
  javascriptreact: 'untitled.jsx',
  python: 'untitled.py',
};

/** Each cost level's colour: contributed in package.json (`contributes.colors`), so themes can change them. */
const LEVEL_COLORS: Record<CostLevel, string> = {
  low: 'tokenwise.promptHint.lowCost',
  medium: 'tokenwise.promptHint.mediumCost',
  high: 'tokenwise.promptHint.highCost',
  unknown: 'editorCodeLens.foreground',
};
const SEVERITIES: Record<Exclude<HintSeverity, 'off'>, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export class PromptHints implements vscode.Disposable, vscode.CodeActionProvider, vscode.CodeLensProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly decorations = Object.fromEntries(
    Object.entries(LEVEL_COLORS).map(([level, color]) => [
      level,
      vscode.window.createTextEditorDecorationType({
        after: { color: new vscode.ThemeColor(color), fontStyle: 'italic', margin: '0 0 0 2em' },
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      }),
    ]),
  ) as Record<CostLevel, vscode.TextEditorDecorationType>;
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('tokenwise-prompts');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly cache = new Map<string, PromptReport[]>();
  private readonly reports = new Map<string, { version: number; reports: PromptReport[] }>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly worker: PromptAnalysisWorker;
  private settings: PromptHintSettings;

  constructor(
    analysisBundle: string,
    private readonly log: (line: string) => void,
  ) {
    this.settings = readSettings();
    this.worker = new PromptAnalysisWorker(analysisBundle, log);
    this.disposables.push(
      this.worker,
      ...Object.values(this.decorations),
      this.lensesChanged,
      this.diagnostics,
      vscode.window.onDidChangeVisibleTextEditors(() => this.scheduleVisible()),
      vscode.workspace.onDidChangeTextDocument(
        (event) => this.isVisible(event.document) && this.schedule(event.document),
      ),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document)),
      vscode.window.onDidChangeTextEditorSelection(
        (event) => this.settings.activeLineOnly && this.render(event.textEditor),
      ),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (
          !event.affectsConfiguration('tokenwise.promptHints') &&
          !event.affectsConfiguration('tokenwise.defaultCloudModel')
        )
          return;
        this.settings = readSettings();
        this.cache.clear();
        this.reports.clear();
        if (!this.settings.enabled) this.clearAll();
        this.scheduleVisible();
      }),
      vscode.languages.registerCodeActionsProvider(
        SCHEMES.map((scheme) => ({ scheme })),
        this,
        { providedCodeActionKinds: PromptHints.providedCodeActionKinds },
      ),
      vscode.languages.registerCodeLensProvider(
        SCHEMES.map((scheme) => ({ scheme })),
        this,
      ),
    );
    this.scheduleVisible();
  }

  private isVisible(document: vscode.TextDocument): boolean {
    return vscode.window.visibleTextEditors.some((editor) => editor.document === document);
  }

  private scheduleVisible(): void {
    for (const editor of vscode.window.visibleTextEditors) this.schedule(editor.document);
  }

  private schedule(document: vscode.TextDocument): void {
    if (!this.settings.enabled || !fileNameOf(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.analyze(document).catch((error: unknown) =>
          this.log(`prompt analysis of ${document.uri.fsPath} failed: ${(error as Error).stack ?? String(error)}`),
        );
      }, DEBOUNCE_MS),
    );
  }

  private async analyze(document: vscode.TextDocument): Promise<void> {
    const fileName = fileNameOf(document);
    if (!fileName || document.isClosed) return;
    const version = document.version;
    const text = document.getText();
    const { defaultModel, maxTokens, expectedOutputTokens } = this.settings;
    const hash = createHash('sha1')
      .update(`${fileName}\0${defaultModel}\0${maxTokens}\0${expectedOutputTokens}\0`)
      .update(text)
      .digest('hex');
    let reports = this.cache.get(hash);
    if (!reports) {
      const began = performance.now();
      reports = await this.worker.analyze(fileName, text, { defaultModel, maxTokens, expectedOutputTokens });
      this.log(
        `analyzed ${reports.length} prompt${reports.length === 1 ? '' : 's'} in ${vscode.workspace.asRelativePath(document.uri)} in ${(performance.now() - began).toFixed(1)} ms`,
      );
      if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(hash, reports);
    }
    // The document changed while this ran: its own, newer analysis is on the way.
    if (document.version !== version || document.isClosed || !this.settings.enabled) return;
    this.reports.set(document.uri.toString(), { version, reports });
    this.diagnostics.set(
      document.uri,
      reports.flatMap((report) =>
        report.findings.flatMap((finding) => diagnosticOf(document, finding, severityOf(finding, this.settings))),
      ),
    );
    for (const editor of vscode.window.visibleTextEditors) if (editor.document === document) this.render(editor);
    this.lensesChanged.fire();
  }

  /** The prompts whose hint shows: on, over the minimum size, under the cursor when asked. */
  private shown(
    document: vscode.TextDocument,
    cursor?: number,
  ): { report: PromptReport; line: vscode.TextLine; above: boolean }[] {
    const entry = this.reports.get(document.uri.toString());
    if (!entry || !this.settings.enabled || entry.version !== document.version) return [];
    return entry.reports.flatMap((report) => {
      if (report.cost.inputTokens < this.settings.minTokens && !report.cost.sizeUnknown) return [];
      const start = document.positionAt(report.start);
      const end = document.positionAt(report.end);
      if (cursor !== undefined && this.settings.activeLineOnly && (cursor < start.line || cursor > end.line)) return [];
      const line = document.lineAt(start.line);
      return [{ report, line, above: placement(line.text.length, this.settings.position) === 'above' }];
    });
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const cursor =
      vscode.window.activeTextEditor?.document === document
        ? vscode.window.activeTextEditor.selection.active.line
        : undefined;
    return this.shown(document, cursor)
      .filter(({ above }) => above)
      .map(
        ({ report, line }) =>
          new vscode.CodeLens(line.range, {
            title: hintText(report.cost),
            tooltip: breakdownLines(report.cost).join('\n'),
            command: '',
          }),
      );
  }

  private render(editor: vscode.TextEditor): void {
    const levels: Record<CostLevel, vscode.DecorationOptions[]> = { low: [], medium: [], high: [], unknown: [] };
    for (const { report, line, above } of this.shown(editor.document, editor.selection.active.line)) {
      if (above) continue;
      const end = line.range.end;
      levels[costLevel(report.cost, this.settings)].push({
        range: new vscode.Range(end, end),
        hoverMessage: hover(report),
        renderOptions: { after: { contentText: hintText(report.cost) } },
      });
    }
    for (const [level, options] of Object.entries(levels))
      editor.setDecorations(this.decorations[level as CostLevel], options);
    if (this.settings.activeLineOnly) this.lensesChanged.fire();
  }

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const entry = this.reports.get(document.uri.toString());
    if (!entry || entry.version !== document.version) return [];
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
      for (const finding of entry.reports.flatMap((r) => r.findings)) {
        if (!finding.fix || finding.rule !== diagnostic.code || !diagnostic.range.isEqual(rangeOf(document, finding)))
          continue;
        const action = new vscode.CodeAction(finding.fix.title, vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        for (const edit of finding.fix.edits) action.edit.replace(document.uri, rangeOf(document, edit), edit.newText);
        action.diagnostics = [diagnostic];
        action.isPreferred = true;
        actions.push(action);
      }
    }
    return actions;
  }

  private forget(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.reports.delete(key);
    this.diagnostics.delete(document.uri);
  }

  private clearAll(): void {
    this.diagnostics.clear();
    for (const editor of vscode.window.visibleTextEditors)
      for (const decoration of Object.values(this.decorations)) editor.setDecorations(decoration, []);
    this.lensesChanged.fire();
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const disposable of this.disposables) disposable.dispose();
  }
}

/** Flips `tokenwise.promptHints.enabled` in the user's settings. */
export async function togglePromptHints(): Promise<void> {
  const config = vscode.workspace.getConfiguration('tokenwise');
  await config.update(
    'promptHints.enabled',
    config.get('promptHints.enabled') === false,
    vscode.ConfigurationTarget.Global,
  );
}

function readSettings(): PromptHintSettings {
  const config = vscode.workspace.getConfiguration('tokenwise');
  return parsePromptHintSettings((name) => config.get(name));
}

function fileNameOf(document: vscode.TextDocument): string | undefined {
  if (document.uri.scheme === 'untitled') return LANGUAGE_FILES[document.languageId];
  if (!SCHEMES.includes(document.uri.scheme)) return undefined;
  return /\.([cm]?[jt]sx?|pyi?|prompt|prompty|prompt\.md)$/i.test(document.fileName) ? document.fileName : undefined;
}

const rangeOf = (document: vscode.TextDocument, span: { start: number; end: number }) =>
  new vscode.Range(document.positionAt(span.start), document.positionAt(span.end));

function diagnosticOf(
  document: vscode.TextDocument,
  finding: PromptReport['findings'][number],
  severity: HintSeverity,
): vscode.Diagnostic[] {
  if (severity === 'off') return [];
  const diagnostic = new vscode.Diagnostic(rangeOf(document, finding), finding.message, SEVERITIES[severity]);
  diagnostic.code = finding.rule;
  diagnostic.source = DIAGNOSTIC_SOURCE;
  return [diagnostic];
}

function hover(report: PromptReport): vscode.MarkdownString {
  const markdown = new vscode.MarkdownString(`**Tokenwise** · ${report.kind}\n\n`);
  markdown.appendMarkdown(
    breakdownLines(report.cost)
      .map((line) => `- ${line}`)
      .join('\n'),
  );
  if (report.findings.length)
    markdown.appendMarkdown(`\n\n${report.findings.map((f) => `- \`${f.rule}\` ${f.message}`).join('\n')}`);
  return markdown;
}
