/**
 * @module Serves one parsed chat request over HTTP in the caller's API: JSON for non-streaming callers, SSE for
 * streaming ones; an error after the stream began is sent as the API's error event, never as a silent truncation.
 */
import type { ServerResponse } from 'node:http';
import { collect, type ChatChunk, type ChatRequest } from '../chat.ts';
import { badRequest } from '../errors.ts';
import { wireAnswerOf, wireOf } from '../wire.ts';
import type { CacheDirective, Pipeline, PipelineResult } from '../pipeline.ts';
import { messageJson, MessageStream } from './anthropic/messages-response.ts';
import { errorBody, toProxyError, type WireApi } from './errors.ts';
import { chatCompletionJson, ChatCompletionStream } from './openai/chat-response.ts';
import { responseJson, ResponseStream } from './openai/responses-response.ts';
import { sendJson, sendJsonText, type ApiRequest } from './reply.ts';
import { startEventStream } from './sse.ts';
import { clientName } from '../usage/index.ts';
import type { SessionRecorder, Take } from '../record/recorder.ts';

export interface ServeChatDeps {
  pipeline: Pipeline;
  log: (line: string) => void;
  /** Records sessions for replay, when configured or asked for. */
  recorder?: SessionRecorder;
}

export async function serveChat(
  api: WireApi,
  request: ChatRequest,
  req: ApiRequest,
  res: ServerResponse,
  deps: ServeChatDeps,
): Promise<void> {
  const arrived = req.arrived;
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });

  const client = clientName(req.headers);
  const take = deps.recorder?.begin({ api, request, headers: req.headers, client });
  const result = await deps.pipeline.run(request, {
    signal: controller.signal,
    client,
    api,
    arrived,
    cache: cacheDirective(req.headers['x-tokenwise-cache']),
    trim: req.headers['x-tokenwise-trim'] === 'off' ? 'off' : 'default',
    route: routeOverride(req.headers['x-tokenwise-route']),
  });
  res.setHeader('x-tokenwise-route', result.decision.target);
  res.setHeader('x-tokenwise-reason', headerSafe(result.decision.reason));
  res.setHeader('x-tokenwise-cache', result.cache);
  const wire = wireOf(request);
  const unmapped = wire?.unmapped;
  if (unmapped && result.decision.provider.kind !== 'openai')
    deps.log(`${result.decision.provider.name} answers a Responses request without: ${unmapped.join(', ')}`);

  if (!request.stream) {
    if (api === 'openai') {
      const answer = await collect(replay(result, take));
      res.setHeader('x-tokenwise-overhead-ms', result.overheadMs().toFixed(2));
      const upstream = wireAnswerOf(answer);
      if (upstream?.api === 'openai') sendJsonText(res, upstream.text);
      else sendJson(res, chatCompletionJson(answer));
      return;
    }
    const json =
      api === 'responses'
        ? await responseJson(replay(result, take), wire!.body)
        : messageJson(await collect(replay(result, take)));
    res.setHeader('x-tokenwise-overhead-ms', result.overheadMs().toFixed(2));
    sendJson(res, json);
    return;
  }

  res.setHeader('x-tokenwise-overhead-ms', result.overheadMs().toFixed(2));
  startEventStream(res);
  const writer =
    api === 'responses'
      ? new ResponseStream(res, wire!.body)
      : api === 'openai'
        ? new ChatCompletionStream(res, request.streamUsage ?? false)
        : new MessageStream(res);
  try {
    for await (const chunk of replay(result, take)) {
      if (controller.signal.aborted) break;
      writer.write(chunk);
    }
  } catch (error) {
    if (!controller.signal.aborted) {
      const failure = toProxyError(error);
      deps.log(`stream from ${result.decision.provider.name} failed mid-way: ${failure.message}`);
      writer.fail(errorBody(api, failure));
    }
  } finally {
    res.end();
  }
}

function cacheDirective(header: string | string[] | undefined): CacheDirective {
  if (header === undefined) return 'default';
  if (header === 'off' || header === 'refresh') return header;
  throw badRequest(`x-tokenwise-cache: expected "off" or "refresh", got "${String(header)}"`, 'x-tokenwise-cache');
}

/** Longest reason sent as a header: reasons can quote a caller's model name, which may be any length. */
const MAX_REASON_CHARS = 512;

/** HTTP header values are Latin-1: spell out the few symbols reasons use, and drop anything else. */
function headerSafe(text: string): string {
  const capped = text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}...` : text;
  if (!/[^\x20-\x7e]/.test(capped)) return capped;
  return capped
    .replaceAll('≥', '>=')
    .replaceAll('≤', '<=')
    .replaceAll('→', '->')
    .replace(/[^\x20-\x7e]/g, '?');
}

function routeOverride(header: string | string[] | undefined): 'local' | 'cloud' | undefined {
  if (header === undefined) return undefined;
  if (header === 'local' || header === 'cloud') return header;
  throw badRequest(`x-tokenwise-route: expected "local" or "cloud", got "${String(header)}"`, 'x-tokenwise-route');
}

async function* replay(result: PipelineResult, take: Take | undefined): AsyncGenerator<ChatChunk> {
  // Recorded as the chunks pass: a caller that stops reading at `done` (collect) still gets its line written.
  const pass = (chunk: ChatChunk) => {
    take?.observe(chunk);
    if (chunk.type === 'done')
      take?.finish({ route: result.decision.target, model: result.decision.model, cache: result.cache });
    return chunk;
  };
  yield pass(result.first);
  try {
    for (let next = await result.rest.next(); !next.done; next = await result.rest.next()) yield pass(next.value);
  } finally {
    await result.rest.return?.();
  }
}
