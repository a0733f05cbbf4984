/**
 * @module Which calls carry prompts, and where in their arguments: the openai SDK (chat completions, responses), the
 * anthropic SDK (messages), the Vercel AI SDK (generateText/streamText/generateObject/streamObject), LangChain
 * (PromptTemplate.fromTemplate, ChatPromptTemplate.fromMessages) and node-llama-cpp (LlamaChatSession's
 * systemPrompt, session.prompt). Works on values.ts's shape, so TypeScript and Python share it.
 */
import type { FoundPrompt, LiteralSpan, PromptKind, PromptMessage, PromptPart } from './types.ts';
import { asText, ESTIMATE, literalText, mergeParts, type Value } from './values.ts';

/** A call in the source, its callee spelled as a dotted chain (`client.chat.completions.create`). */
export interface CallSite {
  callee: string;
  /** Positional arguments. */
  args: Value[];
  /** Keyword arguments (Python), or the entries of an options object passed first (TypeScript). */
  params: Map<string, Value>;
  isNew: boolean;
  start: number;
  end: number;
}

/** Callee names that may carry a prompt: everything else is skipped before its arguments are read. */
export const PROMPT_METHODS = new Set([
  'create',
  'parse',
  'stream',
  'count_tokens',
  'countTokens',
  'generateText',
  'streamText',
  'generateObject',
  'streamObject',
  'fromTemplate',
  'from_template',
  'fromMessages',
  'from_messages',
  'LlamaChatSession',
  'prompt',
]);

/** Whether a call with this callee may carry a prompt (a cheap check on the name alone). */
export const mayCarryPrompt = (callee: string) => PROMPT_METHODS.has(callee.slice(callee.lastIndexOf('.') + 1));

type Recognized = { kind: PromptKind; messages: Message[]; model?: string; maxOutputTokens?: Value };
type Message = { role: string; value: Value | undefined };

const endsWith = (callee: string, ...suffixes: string[]) =>
  suffixes.some((s) => callee === s || callee.endsWith(`.${s}`));
const last = (callee: string) => callee.slice(callee.lastIndexOf('.') + 1);

/** LangChain's and the chat roles' names, as one vocabulary. */
const ROLE_NAMES: Record<string, string> = {
  human: 'user',
  ai: 'assistant',
  humanmessage: 'user',
  systemmessage: 'system',
  aimessage: 'assistant',
};
const roleName = (role: string) => ROLE_NAMES[role.toLowerCase()] ?? role.toLowerCase();

function recognize(call: CallSite): Recognized | undefined {
  const { callee, params } = call;
  const param = (...names: string[]) => names.map((n) => params.get(n)).find((v) => v !== undefined);
  if (endsWith(callee, 'chat.completions.create', 'chat.completions.parse', 'chat.completions.stream')) {
    return {
      kind: 'openai.chat',
      messages: messageList(param('messages')),
      model: literalText(param('model')),
      maxOutputTokens: param('max_tokens', 'max_completion_tokens'),
    };
  }
  if (endsWith(callee, 'responses.create', 'responses.stream', 'responses.parse')) {
    const input = param('input');
    const messages = [
      { role: 'system', value: param('instructions') },
      ...(input?.type === 'array' ? messageList(input) : [{ role: 'user', value: input }]),
    ];
    return {
      kind: 'openai.responses',
      messages,
      model: literalText(param('model')),
      maxOutputTokens: param('max_output_tokens'),
    };
  }
  if (endsWith(callee, 'messages.create', 'messages.stream', 'messages.count_tokens', 'messages.countTokens')) {
    return {
      kind: 'anthropic.messages',
      messages: [{ role: 'system', value: param('system') }, ...messageList(param('messages'))],
      model: literalText(param('model')),
      maxOutputTokens: param('max_tokens'),
    };
  }
  if (['generateText', 'streamText', 'generateObject', 'streamObject'].includes(callee)) {
    const messages = [
      { role: 'system', value: param('system') },
      { role: 'user', value: param('prompt') },
      ...messageList(param('messages')),
    ];
    return {
      kind: 'ai-sdk',
      messages,
      model: aiSdkModel(param('model')),
      maxOutputTokens: param('maxOutputTokens', 'maxTokens'),
    };
  }
  if (endsWith(callee, 'PromptTemplate.fromTemplate', 'PromptTemplate.from_template')) {
    return {
      kind: 'langchain.template',
      messages: [{ role: 'template', value: templateText(call.args[0] ?? param('template')) }],
    };
  }
  if (endsWith(callee, 'ChatPromptTemplate.fromMessages', 'ChatPromptTemplate.from_messages')) {
    return { kind: 'langchain.chat', messages: messageList(call.args[0] ?? param('messages'), true) };
  }
  if (call.isNew && last(callee) === 'LlamaChatSession') {
    return { kind: 'llama.system', messages: [{ role: 'system', value: param('systemPrompt') }], model: 'local' };
  }
  if (last(callee) === 'prompt' && /session$/i.test(callee.split('.').at(-2) ?? '')) {
    const options = call.args[1];
    return {
      kind: 'llama.prompt',
      messages: [{ role: 'user', value: call.args[0] }],
      model: 'local',
      maxOutputTokens: options?.type === 'object' ? options.entries.get('maxTokens') : undefined,
    };
  }
  return undefined;
}

/** `openai('gpt-4o')`, `anthropic.messages('claude-…')`, or the gateway's `'openai/gpt-4o'`. */
function aiSdkModel(value: Value | undefined): string | undefined {
  if (value?.type === 'call') return literalText(value.args[0]);
  return literalText(value);
}

/** A messages array: chat objects, LangChain tuples and message classes; anything else is run-time history. */
function messageList(value: Value | undefined, template = false): Message[] {
  if (!value) return [];
  if (value.type !== 'array') return [{ role: 'history', value: undefined }];
  return value.items.map((item): Message => {
    if (item.type === 'object') {
      const role = literalText(item.entries.get('role')) ?? 'message';
      return {
        role,
        value: template ? templateText(item.entries.get('content')) : content(item.entries.get('content')),
      };
    }
    if (item.type === 'array' && item.items.length === 2) {
      const role = literalText(item.items[0]);
      if (role) return { role: roleName(role), value: templateText(item.items[1]) };
    }
    if (item.type === 'call') {
      const head = item.callee.split('.')[0]!;
      const role = /^(System|Human|AI|Assistant|User)Message/.exec(head)?.[1];
      const body =
        item.args[0]?.type === 'object'
          ? item.args[0].entries.get('content')
          : (item.args[0] ?? item.params.get('content'));
      if (role)
        return { role: roleName(role), value: template || head.endsWith('PromptTemplate') ? templateText(body) : body };
    }
    return { role: 'history', value: undefined };
  });
}

/** Message content: a string, or an array of text parts (`{type: 'text', text}`, `input_text`); images are left out. */
function content(value: Value | undefined): Value | undefined {
  if (value?.type !== 'array') return value;
  const texts = value.items.flatMap((item) =>
    item.type === 'object' && /text$/.test(literalText(item.entries.get('type')) ?? '')
      ? [item.entries.get('text')]
      : [],
  );
  const parts: PromptPart[] = [];
  const literals: LiteralSpan[] = [];
  for (const [i, t] of texts.entries()) {
    const piece = asText(t);
    if (!piece) continue;
    if (i > 0) parts.push({ kind: 'static', text: '\n' });
    parts.push(...piece.parts);
    literals.push(...piece.literals);
  }
  return { type: 'text', parts: mergeParts(parts), literals, viaName: false };
}

/** A LangChain template: its `{variable}` placeholders are filled at run time (`{{` and `}}` are literal braces). */
export function templateText(value: Value | undefined): Value | undefined {
  if (value?.type !== 'text') return value;
  const parts: PromptPart[] = value.parts.flatMap((part) => {
    if (part.kind !== 'static') return [part];
    return part.text.split(/(\{\{|\}\}|\{[A-Za-z_][\w.]*\})/).map((piece): PromptPart => {
      if (piece === '{{' || piece === '}}') return { kind: 'static', text: piece[0]! };
      if (/^\{[A-Za-z_][\w.]*\}$/.test(piece))
        return { kind: 'dynamic', source: piece, estimateTokens: ESTIMATE.value };
      return { kind: 'static', text: piece };
    });
  });
  return { ...value, parts: mergeParts(parts) };
}

/** The prompt a call carries, or undefined when it carries none (e.g. Twilio's `messages.create`). */
export function promptOfCall(call: CallSite): FoundPrompt | undefined {
  const found = recognize(call);
  if (!found) return undefined;
  const messages: PromptMessage[] = [];
  const literals: LiteralSpan[] = [];
  let inlineSystem: string | undefined;
  for (const { role, value } of found.messages) {
    if (role === 'history') {
      messages.push({
        role,
        parts: [{ kind: 'dynamic', source: 'conversation history', estimateTokens: ESTIMATE.history }],
      });
      continue;
    }
    const piece = asText(value);
    if (!piece?.parts.length) continue;
    messages.push({ role, parts: piece.parts });
    literals.push(...piece.literals);
    if (role === 'system' || role === 'developer') {
      for (const literal of piece.literals) literal.system = true;
      if (!piece.viaName && value?.type === 'text')
        inlineSystem = piece.parts.map((p) => (p.kind === 'static' ? p.text : '{…}')).join('');
    }
  }
  // A call with nothing but run-time history carries no prompt written here.
  if (!messages.some((m) => m.role !== 'history')) return undefined;
  const maxOutput = found.maxOutputTokens?.type === 'number' ? found.maxOutputTokens.value : undefined;
  return {
    kind: found.kind,
    start: call.start,
    end: call.end,
    ...(found.model ? { model: found.model } : {}),
    ...(maxOutput !== undefined ? { maxOutputTokens: maxOutput } : {}),
    messages,
    literals,
    ...(inlineSystem ? { inlineSystem } : {}),
  };
}
