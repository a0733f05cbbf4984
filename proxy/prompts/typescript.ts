/**
 * @module Prompts in TypeScript and JavaScript, found with the TypeScript compiler's parser (no type checking: one
 * file, ~1 ms per thousand lines). Constants declared anywhere in the file, template literals, `+` concatenation,
 * `[…].join(sep)` and `.trim()` resolve to text; anything else is a run-time value, estimated.
 */
import type * as TS from 'typescript';
import { mayCarryPrompt, promptOfCall, type CallSite } from './calls.ts';
import { compactBlocks, restoreOffsets, SCRIPT_BLOCKS } from './prefilter.ts';
import type { FoundPrompt, LiteralSpan, PromptPart } from './types.ts';
import { asText, concat, dedented, text, trimmed, unknown, type Value } from './values.ts';

/** Constants refer to constants; past this depth (or a cycle) a name is a run-time value. */
const MAX_DEPTH = 8;

/** Whether a file name is TypeScript or JavaScript source. */
export const isScriptFile = (fileName: string) => /\.(m|c)?(t|j)sx?$/i.test(fileName);

export function findScriptPrompts(ts: typeof TS, fileName: string, source: string): FoundPrompt[] {
  const compacted = compactBlocks(source, SCRIPT_BLOCKS);
  const found = compacted && scan(ts, fileName, compacted.text);
  return (found && restoreOffsets(found.prompts, compacted, found.clean)) ?? scan(ts, fileName, source).prompts;
}

function scan(ts: typeof TS, fileName: string, source: string): { prompts: FoundPrompt[]; clean: boolean } {
  const kind = /\.[mc]?tsx$/i.test(fileName)
    ? ts.ScriptKind.TSX
    : /\.[mc]?jsx?$/i.test(fileName)
      ? ts.ScriptKind.JSX
      : ts.ScriptKind.TS;
  // No parent pointers and no JSDoc: a third of the parse time, and nothing here needs them.
  const file = ts.createSourceFile(
    fileName,
    source,
    { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone },
    false,
    kind,
  );
  const constants = new Map<string, TS.Expression>();
  const calls: TS.CallExpression[] | TS.NewExpression[] = [];
  const visit = (node: TS.Node) => {
    if (ts.isVariableDeclarationList(node) && node.flags & ts.NodeFlags.Const) {
      for (const declaration of node.declarations)
        if (ts.isIdentifier(declaration.name) && declaration.initializer)
          constants.set(declaration.name.text, declaration.initializer);
    }
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) (calls as TS.Node[]).push(node);
    ts.forEachChild(node, visit);
  };
  visit(file);

  const valueOf = (node: TS.Expression, depth: number): Value => {
    if (
      ts.isParenthesizedExpression(node) ||
      ts.isAsExpression(node) ||
      ts.isSatisfiesExpression(node) ||
      ts.isNonNullExpression(node) ||
      ts.isAwaitExpression(node) ||
      ts.isTypeAssertionExpression(node)
    ) {
      return valueOf(node.expression, depth);
    }
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      const start = node.getStart(file) + 1;
      const end = node.getEnd() - 1;
      const literal: LiteralSpan = {
        contentStart: start,
        contentEnd: end,
        holes: [],
        verbatim: source.slice(start, end) === node.text,
        system: false,
      };
      return text([{ kind: 'static', text: node.text }], [literal]);
    }
    if (ts.isTemplateExpression(node)) return template(node, depth);
    if (ts.isTaggedTemplateExpression(node) && /dedent|stripIndent|outdent/i.test(node.tag.getText(file))) {
      const value = valueOf(node.template, depth);
      return value.type === 'text' ? dedented(value) : value;
    }
    if (ts.isNumericLiteral(node)) return { type: 'number', value: Number(node.text) };
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      return concat([valueOf(node.left, depth), valueOf(node.right, depth)]) ?? unknown(node.getText(file));
    }
    if (ts.isIdentifier(node)) {
      const init = constants.get(node.text);
      if (!init || depth >= MAX_DEPTH) return unknown(node.text);
      const value = valueOf(init, depth + 1);
      return value.type === 'text' ? { ...value, viaName: true } : value;
    }
    if (ts.isArrayLiteralExpression(node))
      return {
        type: 'array',
        items: node.elements.map((e) => (ts.isSpreadElement(e) ? unknown(e.getText(file)) : valueOf(e, depth))),
      };
    if (ts.isObjectLiteralExpression(node)) {
      const entries = new Map<string, Value>();
      for (const property of node.properties) {
        if (ts.isPropertyAssignment(property) && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)))
          entries.set(property.name.text, valueOf(property.initializer, depth));
        else if (ts.isShorthandPropertyAssignment(property))
          entries.set(property.name.text, valueOf(property.name, depth));
      }
      return { type: 'object', entries };
    }
    if (ts.isCallExpression(node)) return callValue(node, depth);
    if (ts.isNewExpression(node))
      return {
        type: 'call',
        callee: calleeName(node.expression),
        args: (node.arguments ?? []).map((a) => valueOf(a, depth)),
        params: new Map(),
        source: node.getText(file),
      };
    return unknown(node.getText(file));
  };

  const template = (node: TS.TemplateExpression, depth: number): Value => {
    const parts: PromptPart[] = [{ kind: 'static', text: node.head.text }];
    const literals: LiteralSpan[] = [];
    const literal: LiteralSpan = {
      contentStart: node.getStart(file) + 1,
      contentEnd: node.getEnd() - 1,
      holes: [],
      verbatim: node.head.rawText === node.head.text,
      system: false,
    };
    for (const span of node.templateSpans) {
      literal.holes.push({ start: span.expression.getFullStart() - 2, end: span.literal.getStart(file) + 1 });
      const inner = valueOf(span.expression, depth);
      const piece = asText(inner) ?? asText(unknown(span.expression.getText(file)))!;
      parts.push(...piece.parts);
      literals.push(...piece.literals);
      parts.push({ kind: 'static', text: span.literal.text });
      literal.verbatim &&= span.literal.rawText === span.literal.text;
    }
    return text(parts, [literal, ...literals]);
  };

  const callValue = (node: TS.CallExpression, depth: number): Value => {
    const callee = calleeName(node.expression);
    const args = node.arguments.map((a) => valueOf(a, depth));
    if (callee === 'JSON.stringify' && node.arguments[0]) {
      const indented =
        node.arguments.length >= 3 &&
        !['0', 'undefined', 'null', "''", '""'].includes(node.arguments[2]!.getText(file));
      const first = node.arguments[0].getText(file);
      const rewrite = indented
        ? { start: node.getStart(file), end: node.getEnd(), newText: `JSON.stringify(${first})` }
        : undefined;
      return {
        type: 'unknown',
        source: node.getText(file),
        json: indented ? 'indented' : 'compact',
        range: { start: node.getStart(file), end: node.getEnd() },
        ...(rewrite ? { rewrite } : {}),
      };
    }
    if (ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      const target = valueOf(node.expression.expression, depth);
      if (method === 'join' && target.type === 'array') {
        const separator = node.arguments.length ? args[0] : text([{ kind: 'static', text: ',' }]);
        const sep =
          separator?.type === 'text' && separator.parts.length <= 1 && separator.parts.every((p) => p.kind === 'static')
            ? ((separator.parts[0] as { text: string } | undefined)?.text ?? '')
            : undefined;
        if (sep !== undefined) return concat(target.items, sep) ?? unknown(node.getText(file));
      }
      if (method === 'trim' && target.type === 'text') return trimmed(target);
    }
    const params = args[0]?.type === 'object' ? args[0].entries : new Map<string, Value>();
    return { type: 'call', callee, args, params, source: node.getText(file) };
  };

  const found: FoundPrompt[] = [];
  for (const node of calls as (TS.CallExpression | TS.NewExpression)[]) {
    const callee = calleeName(node.expression);
    if (!callee || !mayCarryPrompt(callee)) continue;
    const args = (node.arguments ?? []).map((a) => valueOf(a, 0));
    const site: CallSite = {
      callee,
      args,
      params: args[0]?.type === 'object' ? args[0].entries : new Map(),
      isNew: ts.isNewExpression(node),
      start: node.getStart(file),
      end: node.getEnd(),
    };
    const prompt = promptOfCall(site);
    if (prompt) found.push(prompt);
  }
  return { prompts: found, clean: !(file as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics?.length };

  /** `a.b.c` for a property-access chain (`this.` and optional chaining dropped); '' for anything else. */
  function calleeName(node: TS.Expression): string {
    if (ts.isIdentifier(node)) return node.text;
    if (node.kind === ts.SyntaxKind.ThisKeyword) return '';
    if (ts.isPropertyAccessExpression(node)) {
      const left = calleeName(node.expression);
      return left ? `${left}.${node.name.text}` : node.name.text;
    }
    if (
      ts.isCallExpression(node) ||
      ts.isParenthesizedExpression(node) ||
      ts.isAwaitExpression(node) ||
      ts.isNonNullExpression(node)
    )
      return calleeName(node.expression);
    return '';
  }
}
