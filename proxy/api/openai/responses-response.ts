/**
 * @module ChatChunk stream → an OpenAI Responses object, or its SSE event sequence (`response.created` …
 * `response.completed`), each event numbered by `sequence_number` as the SDKs and Codex expect. The same builder
 * serves both: JSON callers get the object it ends with.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ChatChunk, FinishReason, Usage } from '../../chat.ts';
import { writeEvent } from '../sse.ts';

type Json = Record<string, unknown>;
type Emit = (type: string, fields: Json) => void;

/** Responses usage from ours (cached and reasoning tokens are inclusive in both). */
export function responsesUsage(usage: Usage) {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

const itemId = (prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`;

const incompleteReason: Partial<Record<FinishReason, string>> = {
  length: 'max_output_tokens',
  content_filter: 'content_filter',
};

/** The request settings a Responses object echoes back, with OpenAI's defaults. */
function echoed(body: Json): Json {
  return {
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    metadata: body.metadata ?? {},
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    prompt_cache_key: body.prompt_cache_key ?? null,
    reasoning: body.reasoning ?? null,
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    user: body.user ?? null,
  };
}

/** Builds a Responses object from chunks; `emit` sees every event on the way (a no-op for JSON callers). */
export class ResponseBuilder {
  private readonly created = Math.floor(Date.now() / 1000);
  private id = '';
  private model = '';
  private readonly output: Json[] = [];
  private message: { item: Json; index: number; text: string } | undefined;
  private readonly calls = new Map<number, { item: Json; index: number }>();
  private result: Json | undefined;

  constructor(
    private readonly body: Json,
    private readonly emit: Emit = () => {},
  ) {}

  write(chunk: ChatChunk): void {
    switch (chunk.type) {
      case 'start':
        this.id = chunk.id.startsWith('resp_') ? chunk.id : itemId('resp');
        this.model = chunk.model;
        this.emit('response.created', { response: this.envelope('in_progress') });
        this.emit('response.in_progress', { response: this.envelope('in_progress') });
        return;
      case 'text':
        if (!this.message) this.openMessage();
        this.message!.text += chunk.text;
        this.emit('response.output_text.delta', { ...this.textAt(), delta: chunk.text, logprobs: [] });
        return;
      case 'tool_call': {
        this.closeAll();
        const item = {
          id: itemId('fc'),
          type: 'function_call',
          status: 'in_progress',
          arguments: '',
          call_id: chunk.id,
          name: chunk.name,
        };
        this.calls.set(chunk.index, { item, index: this.add(item) });
        return;
      }
      case 'tool_arguments': {
        const call = this.calls.get(chunk.index);
        if (!call) return;
        call.item.arguments += chunk.arguments;
        this.emit('response.function_call_arguments.delta', {
          item_id: call.item.id,
          output_index: call.index,
          delta: chunk.arguments,
        });
        return;
      }
      case 'item':
        // Anthropic's signed thinking travels as items too; it means nothing to a Responses caller.
        if (chunk.item.type === 'thinking' || chunk.item.type === 'redacted_thinking') return;
        this.closeAll();
        this.emit('response.output_item.done', { output_index: this.add(chunk.item), item: chunk.item });
        return;
      case 'done': {
        this.closeAll();
        const reason = incompleteReason[chunk.finishReason];
        this.result = {
          ...this.envelope(reason ? 'incomplete' : 'completed'),
          ...(reason ? { incomplete_details: { reason } } : {}),
          usage: responsesUsage(chunk.usage),
        };
        this.emit(reason ? 'response.incomplete' : 'response.completed', { response: this.result });
        return;
      }
      default:
        chunk satisfies never;
    }
  }

  /** The finished Responses object (after `done`). */
  response(): Json {
    if (!this.result) throw new Error('the answer ended without a final chunk');
    return {
      ...this.result,
      output_text: this.output
        .flatMap((item) => (item.type === 'message' ? (item.content as Json[]).map((p) => p.text) : []))
        .join(''),
    };
  }

  /** An error after the stream began: the error event, then the terminal `response.failed`. */
  fail(error: { message: string; type: string; code: string | null; param: string | null }): void {
    const code = error.code ?? error.type;
    // Flat fields per the published schema; the nested copy is what api.openai.com sends, and what makes SDKs raise.
    this.emit('error', { code, message: error.message, param: error.param, error });
    this.emit('response.failed', { response: { ...this.envelope('failed'), error: { code, message: error.message } } });
  }

  private envelope(status: string): Json {
    return {
      id: this.id,
      object: 'response',
      created_at: this.created,
      status,
      background: false,
      error: null,
      incomplete_details: null,
      model: this.model,
      output: this.output,
      usage: null,
      ...echoed(this.body),
    };
  }

  /** Appends an item to the output and announces it; returns its output_index. */
  private add(item: Json): number {
    const index = this.output.push(item) - 1;
    this.emit('response.output_item.added', { output_index: index, item: { ...item } });
    return index;
  }

  private openMessage(): void {
    const item = {
      id: itemId('msg'),
      type: 'message',
      status: 'in_progress',
      content: [] as Json[],
      role: 'assistant',
    };
    this.closeAll();
    this.message = { item, index: this.add(item), text: '' };
    this.emit('response.content_part.added', {
      ...this.textAt(),
      part: { type: 'output_text', annotations: [], logprobs: [], text: '' },
    });
  }

  private textAt() {
    return { item_id: this.message!.item.id, output_index: this.message!.index, content_index: 0 };
  }

  private closeAll(): void {
    if (this.message) {
      const part = { type: 'output_text', annotations: [], logprobs: [], text: this.message.text };
      this.emit('response.output_text.done', { ...this.textAt(), text: this.message.text, logprobs: [] });
      this.emit('response.content_part.done', { ...this.textAt(), part });
      Object.assign(this.message.item, { status: 'completed', content: [part] });
      this.emit('response.output_item.done', { output_index: this.message.index, item: this.message.item });
      this.message = undefined;
    }
    for (const { item, index } of this.calls.values()) {
      if (item.status !== 'in_progress') continue;
      this.emit('response.function_call_arguments.done', {
        item_id: item.id,
        output_index: index,
        name: item.name,
        arguments: item.arguments,
      });
      item.status = 'completed';
      this.emit('response.output_item.done', { output_index: index, item });
    }
  }
}

/** Writes a chunk stream as Responses server-sent events. */
export class ResponseStream {
  private sequence = 0;
  readonly builder: ResponseBuilder;

  constructor(res: ServerResponse, body: Json) {
    this.builder = new ResponseBuilder(body, (type, fields) =>
      writeEvent(res, type, { type, ...fields, sequence_number: this.sequence++ }),
    );
  }

  write(chunk: ChatChunk): void {
    this.builder.write(chunk);
  }

  fail(body: Json): void {
    this.builder.fail(body.error as Parameters<ResponseBuilder['fail']>[0]);
  }
}

/** Folds a whole answer into one Responses object, for callers that did not ask to stream. */
export async function responseJson(chunks: AsyncIterable<ChatChunk>, body: Json): Promise<Json> {
  const builder = new ResponseBuilder(body);
  for await (const chunk of chunks) builder.write(chunk);
  return builder.response();
}
