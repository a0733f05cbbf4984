/**
 * @module Difficulty signals: cheap facts about a request that rules can route on and the reason header can show.
 * Everything is counted from the request with a few regular expressions, well under a millisecond: token counts are
 * estimated from characters rather than tokenized, and cues are read from the same window of the last user message
 * as the classifier reads (its two ends, when it is long).
 */
import { textOf, type ChatRequest, type ResponseFormat } from '../chat.ts';
import { promptWindow } from './prompt-terms.ts';

export interface DifficultySignals {
  /** The model the caller asked for (`auto`, `local` or a cloud model). */
  requestedModel: string;
  /** Estimated input tokens of the whole request: messages and tool definitions. */
  promptTokens: number;
  /** Estimated tokens of the last user message: what the request is asking now. */
  lastMessageTokens: number;
  /** Messages in the conversation, and how many of them are the user's. */
  messages: number;
  userTurns: number;
  /** Tool messages already in the conversation: an agent loop in progress. */
  toolResults: number;
  systemPrompt: boolean;
  images: number;
  /** Tools offered to the model, and whether it must call one. */
  tools: number;
  toolRequired: boolean;
  responseFormat: ResponseFormat['type'];
  maxTokens?: number;
  /** Fenced code blocks, and code-looking lines outside them, in the last user message. */
  codeBlocks: number;
  codeLines: number;
  /** Formulas, equations, arithmetic and maths vocabulary in the last user message. */
  mathCues: number;
  numbers: number;
  /** Requests for reasoning: prove, derive, step by step, explain why, analyse, optimise… */
  reasoningCues: number;
  /** Multi-step structure: numbered or bulleted items, "first … then … finally". */
  steps: number;
  /** Constraints the answer must meet: must, exactly, at least, do not… */
  constraints: number;
  questions: number;
}

/** ~4 characters a token for English prose and code alike: close enough for routing, and free. */
const CHARS_PER_TOKEN = 4;

const FENCE = /^\s*(```|~~~)/gm;
const CODE_LINE =
  /^\s*(def |class |function\b|import |from \S+ import|#include|package |public |private |const |let |var |return\b|if ?\(|for ?\(|while ?\(|SELECT |[}\])];?\s*$)|[;{]\s*$/gim;
const MATH =
  /\\(frac|int|sum|sqrt|lim|prod|begin\{(equation|align))|\$[^$\n]+\$|\d\s*[-+*/^=×÷<>]\s*\d|\d\s*(?:\*\*|[+*/^=×÷<>])\s*[a-z(]|\b[a-z]\s*(?:\*\*|[+*/^=<>])\s*\d|[≤≥≠∑∫√π]|\b(equation|integral|derivative|probability|matrix|theorem|solve|calculate|compute)\b/gi;
const NUMBER = /\d+(?:[.,]\d+)?/g;
const REASONING =
  /\b(step[- ]by[- ]step|prove|proof|derive|derivation|explain why|why (?:does|do|is|are|did)|justify|analy[sz]e|compare|trade-?offs?|reason(?:ing)? about|evaluate|design|architect|optimi[sz]e|debug|refactor|root cause)\b/gi;
const STEP = /^\s*(?:\d+[.)]|[-*•])\s+|\b(first|then|next|afterwards|finally|after that)\b/gim;
const CONSTRAINT =
  /\b(must|should|exactly|at (?:least|most)|no more than|only|without|do not|don't|never|always|ensure|make sure|limit(?:ed)? to|within)\b/gi;

/** Reads the signals of a request. */
export function readSignals(request: ChatRequest): DifficultySignals {
  let chars = request.tools ? JSON.stringify(request.tools).length : 0;
  let userTurns = 0,
    toolResults = 0,
    images = 0,
    last = '';
  for (const message of request.messages) {
    const text = textOf(message);
    chars += text.length;
    for (const call of message.toolCalls ?? []) chars += call.name.length + call.arguments.length;
    for (const part of message.content) if (part.type === 'image') images++;
    if (message.role === 'user') {
      userTurns++;
      last = text;
    }
    if (message.role === 'tool') toolResults++;
  }
  const head = promptWindow(last);
  const fences = count(head, FENCE);
  return {
    requestedModel: request.model,
    promptTokens: Math.ceil(chars / CHARS_PER_TOKEN),
    lastMessageTokens: Math.ceil(last.length / CHARS_PER_TOKEN),
    messages: request.messages.length,
    userTurns,
    toolResults,
    systemPrompt: request.messages.some((m) => m.role === 'system'),
    images,
    tools: request.tools?.length ?? 0,
    toolRequired: request.toolChoice === 'required' || typeof request.toolChoice === 'object',
    responseFormat: request.responseFormat?.type ?? 'text',
    ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
    codeBlocks: Math.floor(fences / 2),
    codeLines: count(head, CODE_LINE),
    mathCues: count(head, MATH),
    numbers: count(head, NUMBER),
    reasoningCues: count(head, REASONING),
    steps: count(head, STEP),
    constraints: count(head, CONSTRAINT),
    questions: count(head, /\?/g),
  };
}

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}
