/**
 * @module Prompts in Python, found with tree-sitter's Python grammar (WebAssembly: no native module, so it also runs
 * in VS Code's extension host). Module constants, f-strings, implicit and `+` concatenation, `"sep".join([...])`,
 * `textwrap.dedent`, `.strip()` and `.format()` resolve to text; anything else is a run-time value, estimated.
 */
import fs from 'node:fs';
import type { Node, Parser } from 'web-tree-sitter';
import { mayCarryPrompt, promptOfCall, templateText } from './calls.ts';
import { compactBlocks, PYTHON_BLOCKS, restoreOffsets } from './prefilter.ts';
import type { FoundPrompt, LiteralSpan, PromptPart } from './types.ts';
import { asText, concat, dedented, text, trimmed, unknown, type Value } from './values.ts';

const MAX_DEPTH = 8;

/** Where the two WebAssembly files are: web-tree-sitter's runtime and the Python grammar. */
export interface PythonWasm {
  runtime: string;
  grammar: string;
}

/** Loads the parser (~30 ms, once). */
export async function loadPythonParser(wasm: PythonWasm): Promise<Parser> {
  const { Parser, Language } = await import('web-tree-sitter');
  await Parser.init({ wasmBinary: fs.readFileSync(wasm.runtime) });
  const parser = new Parser();
  parser.setLanguage(await Language.load(fs.readFileSync(wasm.grammar)));
  return parser;
}

export const isPythonFile = (fileName: string) => /\.pyi?$/i.test(fileName);

export function findPythonPrompts(parser: Parser, source: string): FoundPrompt[] {
  const compacted = compactBlocks(source, PYTHON_BLOCKS);
  const found = compacted && scan(parser, compacted.text);
  return (found && restoreOffsets(found.prompts, compacted, found.clean)) ?? scan(parser, source).prompts;
}

function scan(parser: Parser, source: string): { prompts: FoundPrompt[]; clean: boolean } {
  const tree = parser.parse(source);
  if (!tree) return { prompts: [], clean: false };
  try {
    // The search runs inside the WebAssembly: walking every node from JavaScript costs a marshalled object each.
    const constants = new Map<string, Node>();
    for (const node of tree.rootNode.descendantsOfType('assignment')) {
      const left = node?.childForFieldName('left');
      const right = node?.childForFieldName('right');
      if (left?.type === 'identifier' && right && !constants.has(left.text)) constants.set(left.text, right);
    }
    const calls = tree.rootNode.descendantsOfType('call').filter((node): node is Node => {
      const fn = node?.childForFieldName('function');
      return !!fn && mayCarryPrompt(calleeName(fn));
    });

    const valueOf = (node: Node, depth: number): Value => {
      switch (node.type) {
        case 'parenthesized_expression':
        case 'await':
          return node.namedChildren[0] ? valueOf(node.namedChildren[0], depth) : unknown(node.text);
        case 'string':
          return stringValue(node, depth);
        case 'concatenated_string':
          return (
            concat(node.namedChildren.filter((c): c is Node => !!c).map((c) => valueOf(c, depth))) ?? unknown(node.text)
          );
        case 'binary_operator': {
          const left = node.childForFieldName('left');
          const right = node.childForFieldName('right');
          if (node.childForFieldName('operator')?.text !== '+' || !left || !right) return unknown(node.text);
          return concat([valueOf(left, depth), valueOf(right, depth)]) ?? unknown(node.text);
        }
        case 'integer':
          return { type: 'number', value: Number(node.text.replaceAll('_', '')) };
        case 'identifier': {
          const init = constants.get(node.text);
          if (!init || depth >= MAX_DEPTH) return unknown(node.text);
          const value = valueOf(init, depth + 1);
          return value.type === 'text' ? { ...value, viaName: true } : value;
        }
        case 'list':
        case 'tuple':
          return {
            type: 'array',
            items: node.namedChildren
              .filter((c): c is Node => !!c && c.type !== 'comment')
              .map((c) => (c.type === 'list_splat' ? unknown(c.text) : valueOf(c, depth))),
          };
        case 'dictionary': {
          const entries = new Map<string, Value>();
          for (const pair of node.namedChildren) {
            const key = pair?.type === 'pair' ? pair.childForFieldName('key') : null;
            const value = pair?.childForFieldName('value');
            const name = key ? stringValue(key, depth) : undefined;
            if (name?.type === 'text' && name.parts.length === 1 && name.parts[0]!.kind === 'static' && value)
              entries.set(name.parts[0]!.text, valueOf(value, depth));
          }
          return { type: 'object', entries };
        }
        case 'call':
          return callValue(node, depth);
        default:
          return unknown(node.text);
      }
    };

    const stringValue = (node: Node, depth: number): Value => {
      if (node.type !== 'string') return unknown(node.text);
      const start = node.children[0];
      const end = node.children.at(-1);
      const prefix = (start?.text ?? '').replace(/['"]+$/, '').toLowerCase();
      if (prefix.includes('b')) return unknown(node.text);
      const raw = prefix.includes('r');
      const formatted = prefix.includes('f');
      const literal: LiteralSpan = {
        contentStart: start?.endIndex ?? node.startIndex,
        contentEnd: end?.startIndex ?? node.endIndex,
        holes: [],
        verbatim: true,
        system: false,
      };
      const parts: PromptPart[] = [];
      const literals: LiteralSpan[] = [literal];
      for (const child of node.children) {
        if (!child) continue;
        if (child.type === 'string_content') {
          let content = raw ? child.text : unescape(child.text);
          if (formatted) content = content.replaceAll('{{', '{').replaceAll('}}', '}');
          literal.verbatim &&= content === child.text;
          parts.push({ kind: 'static', text: content });
        } else if (child.type === 'interpolation') {
          literal.holes.push({ start: child.startIndex, end: child.endIndex });
          const expression = child.namedChildren[0];
          const piece = (expression && asText(valueOf(expression, depth))) ?? asText(unknown(child.text))!;
          parts.push(...piece.parts);
          literals.push(...piece.literals);
        }
      }
      return text(parts, literals);
    };

    const callValue = (node: Node, depth: number): Value => {
      const fn = node.childForFieldName('function');
      const argList = node.childForFieldName('arguments');
      const callee = fn ? calleeName(fn) : '';
      const args: Value[] = [];
      const params = new Map<string, Value>();
      const argNodes: Node[] = [];
      for (const arg of argList?.namedChildren ?? []) {
        if (!arg || arg.type === 'comment') continue;
        if (arg.type === 'keyword_argument') {
          const name = arg.childForFieldName('name')?.text;
          const value = arg.childForFieldName('value');
          if (name && value) params.set(name, valueOf(value, depth));
        } else {
          argNodes.push(arg);
          args.push(valueOf(arg, depth));
        }
      }
      if (/(^|\.)dumps$/.test(callee) && argNodes[0]) {
        const indent = params.get('indent');
        const indented =
          indent !== undefined &&
          !(indent.type === 'number' && indent.value === 0) &&
          !(indent.type === 'unknown' && indent.source === 'None');
        const rewrite = indented
          ? { start: node.startIndex, end: node.endIndex, newText: `${fn!.text}(${argNodes[0].text})` }
          : undefined;
        return {
          type: 'unknown',
          source: node.text,
          json: indented ? 'indented' : 'compact',
          range: { start: node.startIndex, end: node.endIndex },
          ...(rewrite ? { rewrite } : {}),
        };
      }
      if (/(^|\.)dedent$/.test(callee) && args[0]?.type === 'text') return dedented(args[0]);
      if (fn?.type === 'attribute') {
        const method = fn.childForFieldName('attribute')?.text;
        const object = fn.childForFieldName('object');
        const target = object ? valueOf(object, depth) : undefined;
        if (
          method === 'join' &&
          target?.type === 'text' &&
          target.parts.every((p) => p.kind === 'static') &&
          args[0]?.type === 'array'
        ) {
          return (
            concat(args[0].items, target.parts.map((p) => (p as { text: string }).text).join('')) ?? unknown(node.text)
          );
        }
        if (method === 'strip' && !args.length && target?.type === 'text') return trimmed(target);
        if (method === 'format' && target?.type === 'text') return templateText(target) ?? unknown(node.text);
      }
      return { type: 'call', callee, args, params, source: node.text };
    };

    const found: FoundPrompt[] = [];
    for (const node of calls) {
      const value = callValue(node, 0);
      if (value.type !== 'call' || !value.callee) continue;
      const prompt = promptOfCall({
        callee: value.callee,
        args: value.args,
        params: value.params,
        isNew: false,
        start: node.startIndex,
        end: node.endIndex,
      });
      if (prompt) found.push(prompt);
    }
    return { prompts: found, clean: !tree.rootNode.hasError };
  } finally {
    tree.delete();
  }
}

/** `a.b.c` for an attribute chain; calls in the chain are stepped through. */
function calleeName(node: Node): string {
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') {
    const object = node.childForFieldName('object');
    const left = object ? calleeName(object) : '';
    const name = node.childForFieldName('attribute')?.text ?? '';
    return left ? `${left}.${name}` : name;
  }
  if (node.type === 'call') {
    const fn = node.childForFieldName('function');
    return fn ? calleeName(fn) : '';
  }
  if (node.type === 'await' || node.type === 'parenthesized_expression')
    return node.namedChildren[0] ? calleeName(node.namedChildren[0]) : '';
  return '';
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '\n': '',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

/** Python's string escapes. */
function unescape(raw: string): string {
  return raw.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[\s\S])/g, (match, code: string) => {
    if (/^[xuU]/.test(code) && code.length > 1) return String.fromCodePoint(parseInt(code.slice(1), 16));
    return ESCAPES[code] ?? match;
  });
}
