/**
 * @module Prompt files: Dotprompt (`*.prompt`), Prompty (`*.prompty`) and VS Code's prompt files (`*.prompt.md`).
 * Each is front matter (YAML between `---` lines, read here only for the model) and a body that is the prompt, with
 * `{{variable}}` (Handlebars, Jinja) or `${input:name}` (VS Code) placeholders filled at run time. Prompty bodies
 * are split into messages at `system:` / `user:` / `assistant:` lines.
 */
import type { FoundPrompt, LiteralSpan, PromptMessage, PromptPart } from './types.ts';
import { ESTIMATE, mergeParts } from './values.ts';

export const isPromptFile = (fileName: string) => /\.(prompt|prompty|prompt\.md)$/i.test(fileName);

/** Placeholders; `{% … %}` and `{{#if}}`-style control tags count as nothing, values as a short run-time value. */
const PLACEHOLDER = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\$\{[^}\n]*\}/g;
const CONTROL = /^(\{%|\{\{\s*[#/^>!]|\{\{\s*(else|role|history|section|media)\b)/;

export function findPromptFilePrompt(fileName: string, source: string): FoundPrompt[] {
  const front = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(\r?\n|$)/.exec(source);
  const bodyStart = front ? front[0].length : 0;
  const model = front ? modelOf(front[1]!) : undefined;
  const literal: LiteralSpan = {
    contentStart: bodyStart,
    contentEnd: source.length,
    holes: [],
    verbatim: true,
    system: false,
  };
  const sections = /\.prompty$/i.test(fileName)
    ? prompty(source, bodyStart)
    : [{ role: /\.prompt\.md$/i.test(fileName) ? 'user' : 'prompt', start: bodyStart, end: source.length }];
  const messages: PromptMessage[] = [];
  for (const section of sections) {
    const parts: PromptPart[] = [];
    let at = section.start;
    for (const match of source.slice(section.start, section.end).matchAll(PLACEHOLDER)) {
      const start = section.start + match.index;
      parts.push({ kind: 'static', text: source.slice(at, start) });
      literal.holes.push({ start, end: start + match[0].length });
      if (!CONTROL.test(match[0])) parts.push({ kind: 'dynamic', source: match[0], estimateTokens: ESTIMATE.value });
      at = start + match[0].length;
    }
    parts.push({ kind: 'static', text: source.slice(at, section.end) });
    const merged = mergeParts(parts);
    if (merged.some((p) => p.kind === 'dynamic' || p.text.trim())) messages.push({ role: section.role, parts: merged });
  }
  if (!messages.length) return [];
  return [
    { kind: 'prompt-file', start: 0, end: source.length, ...(model ? { model } : {}), messages, literals: [literal] },
  ];
}

/** `model: name`, Prompty's `azure_deployment:` / `model:` under `configuration:`; a `provider/` prefix is dropped. */
function modelOf(front: string): string | undefined {
  const match = /^[ \t]*(?:model|azure_deployment|deployment_name)[ \t]*:[ \t]*["']?([\w.:/-]+)["']?[ \t]*$/m.exec(
    front,
  );
  return match ? match[1]!.slice(match[1]!.lastIndexOf('/') + 1) : undefined;
}

function prompty(source: string, bodyStart: number): { role: string; start: number; end: number }[] {
  const heads = [...source.slice(bodyStart).matchAll(/^(system|user|assistant)\s*:[ \t]*\r?\n/gim)];
  if (!heads.length) return [{ role: 'user', start: bodyStart, end: source.length }];
  return heads.map((head, i) => ({
    role: head[1]!.toLowerCase(),
    start: bodyStart + head.index + head[0].length,
    end: i + 1 < heads.length ? bodyStart + heads[i + 1]!.index : source.length,
  }));
}
