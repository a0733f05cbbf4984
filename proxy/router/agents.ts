/**
 * @module Agent-aware routing: a per-client model map (the developer says "Claude Code's haiku calls may run
 * locally") and recognition of an agent's side calls — the small title and summary requests Claude Code and opencode
 * send next to the real work — so they can go to the local model while the agent's main loop keeps its cloud model.
 *
 * @example
 * const mapped = mappedModel({ 'claude-code': { 'claude-haiku-4-5': 'local' } }, 'claude-code', 'claude-haiku-4-5'); // 'local'
 */
import { textOf, type ChatRequest } from '../chat.ts';

/** Client name (or `*` for any client) → requested model → the model to use instead. */
export type ClientModels = Record<string, Record<string, string>>;

/** The model `client` should get when it asks for `model`, if the map says so (the client's own entry first). */
export function mappedModel(map: ClientModels, client: string, model: string): string | undefined {
  return map[client]?.[model] ?? map['*']?.[model];
}

/** A side call's instructions sit at the start of its system prompt (opencode: "You are a title generator"). */
const SIDE_CALL_INSTRUCTION = /\b(title|summar(y|ise|ize)|topic)\b/i;
const INSTRUCTION_CHARS = 400;
/** Side calls carry one short exchange; an agent's real turn carries ~30–90 KB of system prompt and tools. */
const SIDE_CALL_MAX_CHARS = 24_000;

/**
 * Whether a request is an agent's side call: no tools to call, a system prompt that asks for a title or a summary,
 * and a small body. Such calls need no frontier model and are never part of a tool loop.
 */
export function isSideCall(request: ChatRequest): boolean {
  if (request.tools?.length) return false;
  // Claude Code puts a billing-header block first; its instruction follows.
  const instruction = request.messages
    .filter((m) => m.role === 'system')
    .flatMap((m) => m.content)
    .map((part) => (part.type === 'text' && !part.text.startsWith('x-anthropic-billing-header') ? part.text : ''))
    .join('\n')
    .trimStart()
    .slice(0, INSTRUCTION_CHARS);
  if (!SIDE_CALL_INSTRUCTION.test(instruction)) return false;
  let chars = 0;
  for (const message of request.messages) chars += textOf(message).length;
  return chars <= SIDE_CALL_MAX_CHARS;
}
