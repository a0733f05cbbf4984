/**
 * @module Parse less of a big file: top-level blocks (a function, a class, a statement starting at column 0) that
 * declare no top-level name and call nothing that may carry a prompt are blanked out with spaces before parsing, so
 * every offset and line stays the same and the parser skips them as whitespace. The parser still reads every block
 * that matters; a caller that finds the blanked text does not parse cleanly parses the whole file instead.
 */
import { PROMPT_METHODS } from './calls.ts';
import type { FoundPrompt } from './types.ts';

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
  startsBlock: /^(export\s|import\s|const\s|let\s|var\s|function[\s*]|async\s+function|class\s|abstract\s+class|interface\s|type\s|enum\s|declare\s|module\.exports)/,
  keep: /^(export\s+)?(const|let|var|import)\s/,
};

export const PYTHON_BLOCKS: BlockSyntax = {
  startsBlock: /^(def\s|async\s+def\s|class\s|@|[A-Za-z_][\w.]*\s*(:[^=]*)?=[^=]|import\s|from\s)/,
  keep: /^([A-Za-z_]\w*\s*(:[^=]*)?=[^=]|import\s|from\s)/,
  continues: (previous) => previous.startsWith('@'),
};

/** A range of the source that was blanked out. */
export interface Blanked {
  start: number;
  end: number;
}

/** The source with the blocks that cannot hold a prompt blanked out, and where. */
export function blankIrrelevantBlocks(source: string, syntax: BlockSyntax): { text: string; blanked: Blanked[] } {
  if (source.length < MIN_LENGTH) return { text: source, blanked: [] };
  const starts: number[] = [0];
  for (const match of source.matchAll(new RegExp(syntax.startsBlock.source, 'gm'))) {
    if (match.index === 0) continue;
    const previous = source.slice(source.lastIndexOf('\n', match.index - 2) + 1, match.index - 1);
    if (!syntax.continues?.(previous)) starts.push(match.index);
  }
  starts.push(source.length);
  const pieces: string[] = [];
  const blanked: Blanked[] = [];
  for (let i = 0; i + 1 < starts.length; i++) {
    const block = source.slice(starts[i], starts[i + 1]);
    if (i === 0 || syntax.keep.test(block) || PROMPT_CALL.test(block)) pieces.push(block);
    else {
      // Spaces for everything but line breaks: offsets and line numbers stay where they were.
      pieces.push(block.split('\n').map((line) => ' '.repeat(line.length)).join('\n'));
      blanked.push({ start: starts[i]!, end: starts[i + 1]! });
    }
  }
  return { text: blanked.length ? pieces.join('') : source, blanked };
}

/**
 * Whether prompts found in the blanked text can be trusted: the text parsed cleanly and no literal they read lies
 * in a blanked range (a top-level-looking line inside a multi-line string would otherwise blank part of a prompt).
 */
export function trustBlanked(blanked: Blanked[], parsedCleanly: boolean, prompts: FoundPrompt[]): boolean {
  if (!blanked.length) return true;
  if (!parsedCleanly) return false;
  return !prompts.some((p) => p.literals.some((l) => blanked.some((b) => l.contentStart < b.end && l.contentEnd > b.start)));
}
