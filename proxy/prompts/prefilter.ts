/**
 * @module Parse less of a big file: top-level blocks (a function, a class, a statement starting at column 0) that
 * declare no top-level name and call nothing that may carry a prompt are left out before parsing, and the offsets of
 * what is found are moved back to the original. The parser still reads every block that matters; when the shorter
 * text does not parse cleanly, or a string spans two kept blocks, the caller parses the whole file instead.
 */
import { PROMPT_METHODS } from './calls.ts';
import type { FoundPrompt, LiteralSpan } from './types.ts';

export interface BlockSyntax {
  /** A line (at column 0) that starts a new top-level block. */
  startsBlock: RegExp;
  /** A block that must be kept whatever it calls (top-level constants, imports). */
  keep: RegExp;
  /** A block continuing the previous one although it starts at column 0 (a decorated definition). */
  continues?: (previousFirstLine: string) => boolean;
}

/** Method and function names that may carry a prompt (calls.ts's `mayCarryPrompt`), as a call in source text. */
const PROMPT_CALL = new RegExp(`\\b(${[...PROMPT_METHODS].join('|')})\\s*\\(`);

/** Below this size the whole file is parsed: blanking would save nothing worth its scan. */
const MIN_LENGTH = 20_000;

export const SCRIPT_BLOCKS: BlockSyntax = {
  startsBlock:
    /^(export\s|import\s|const\s|let\s|var\s|function[\s*]|async\s+function|class\s|abstract\s+class|interface\s|type\s|enum\s|declare\s|module\.exports)/,
  keep: /^(export\s+)?(const|let|var|import)\s/,
};

export const PYTHON_BLOCKS: BlockSyntax = {
  startsBlock: /^(def\s|async\s+def\s|class\s|@|[A-Za-z_][\w.]*\s*(:[^=]*)?=[^=]|import\s|from\s)/,
  keep: /^([A-Za-z_]\w*\s*(:[^=]*)?=[^=]|import\s|from\s)/,
  continues: (previous) => previous.startsWith('@'),
};

/** The kept blocks, joined: the text to parse, and where each kept block sits in the original. */
export interface Compacted {
  text: string;
  /** Per kept block: its offset in `text` and in the original source, and its length. */
  blocks: { at: number; from: number; length: number }[];
}

/** The source without the top-level blocks that cannot hold a prompt; undefined when every block is kept. */
export function compactBlocks(source: string, syntax: BlockSyntax): Compacted | undefined {
  if (source.length < MIN_LENGTH) return undefined;
  const starts: number[] = [0];
  for (const match of source.matchAll(new RegExp(syntax.startsBlock.source, 'gm'))) {
    if (match.index === 0) continue;
    const previous = source.slice(source.lastIndexOf('\n', match.index - 2) + 1, match.index - 1);
    if (!syntax.continues?.(previous)) starts.push(match.index);
  }
  starts.push(source.length);
  const pieces: string[] = [];
  const blocks: Compacted['blocks'] = [];
  let at = 0;
  for (let i = 0; i + 1 < starts.length; i++) {
    const block = source.slice(starts[i], starts[i + 1]);
    if (i > 0 && !syntax.keep.test(block) && !PROMPT_CALL.test(block)) continue;
    const last = blocks.at(-1);
    if (last && last.from + last.length === starts[i]) last.length += block.length;
    else blocks.push({ at, from: starts[i]!, length: block.length });
    pieces.push(block);
    at += block.length;
  }
  return blocks.length > 1 || blocks[0]!.length < source.length ? { text: pieces.join(''), blocks } : undefined;
}

/**
 * The prompts found in the compacted text, with every offset moved back to the original source; undefined when
 * they cannot be trusted: the text did not parse cleanly, or a literal spans two kept blocks (a line inside a
 * multi-line string looked like a top-level statement, so part of the string was left out).
 */
export function restoreOffsets(
  prompts: FoundPrompt[],
  compacted: Compacted,
  parsedCleanly: boolean,
): FoundPrompt[] | undefined {
  if (!parsedCleanly) return undefined;
  const { blocks } = compacted;
  const blockOf = (offset: number, end: boolean) => {
    let low = 0;
    let high = blocks.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (blocks[mid]!.at < offset || (!end && blocks[mid]!.at === offset)) low = mid;
      else high = mid - 1;
    }
    return blocks[low]!;
  };
  const move = (offset: number, end = false) => {
    const block = blockOf(offset, end);
    return block.from + offset - block.at;
  };
  const span = <T extends { start: number; end: number }>(range: T): T => ({
    ...range,
    start: move(range.start),
    end: move(range.end, true),
  });
  const moved = new Map<LiteralSpan, LiteralSpan>();
  let split = false;
  const literal = (l: LiteralSpan): LiteralSpan => {
    let out = moved.get(l);
    if (!out) {
      out = {
        ...l,
        contentStart: move(l.contentStart),
        contentEnd: move(l.contentEnd, true),
        holes: l.holes.map((h) => span(h)),
      };
      split ||= out.contentEnd - out.contentStart !== l.contentEnd - l.contentStart;
      moved.set(l, out);
    }
    return out;
  };
  const restored = prompts.map((p) => ({
    ...p,
    ...span(p),
    literals: p.literals.map(literal),
    messages: p.messages.map((m) => ({
      ...m,
      parts: m.parts.map((part) =>
        part.kind === 'dynamic'
          ? {
              ...part,
              ...(part.range ? { range: span(part.range) } : {}),
              ...(part.rewrite ? { rewrite: span(part.rewrite) } : {}),
            }
          : part,
      ),
    })),
  }));
  return split ? undefined : restored;
}
