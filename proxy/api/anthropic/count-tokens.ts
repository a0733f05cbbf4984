/**
 * @module `POST /v1/messages/count_tokens`: Anthropic's own count when an Anthropic provider serves the model (the
 * caller's body and beta headers forwarded as they came), else a local count with the model family's tokenizer.
 * No pipeline, no ledger entry: Claude Code's `/context` fires ~34 of these at once, and they cost nothing upstream.
 */
import type { ServerResponse } from 'node:http';
import type { ChatRequest } from '../../chat.ts';
import { loadTokenCounter } from '../../context/index.ts';
import { providerFor, type ModelCatalog, type RouteDecision } from '../../router/index.ts';
import { parsedFrom, wireOf } from '../../wire.ts';
import { sendJson, type ApiRequest } from '../reply.ts';
import * as v from '../validate.ts';
import { parseMessagesRequest } from './messages-request.ts';

/** Answers one count request with `{ input_tokens }`. */
export async function serveCountTokens(req: ApiRequest, res: ServerResponse, catalog: ModelCatalog): Promise<void> {
  const body = v.object(req.body, 'body');
  // The count endpoint takes no max_tokens; the parser wants one, and it changes no count.
  const parsed = parseMessagesRequest({ ...body, max_tokens: 1 }, req.headers);
  // Anthropic counts the body as the caller sent it, without the max_tokens added for the parser.
  const request = parsedFrom({ ...parsed }, { ...wireOf(parsed)!, body });
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const upstream = countingProvider(request.model, catalog);
  const inputTokens = upstream
    ? await upstream.provider.countTokens!(request, upstream.model, controller.signal)
    : await countHere(request, controller.signal);
  res.setHeader('x-tokenwise-route', upstream ? 'cloud' : 'local');
  sendJson(res, { input_tokens: inputTokens });
}

/** The count with the model family's tokenizer; a large request is counted off the event loop. */
async function countHere(request: ChatRequest, signal: AbortSignal): Promise<number> {
  const counter = await loadTokenCounter(request.model);
  return counter.settle(() => counter.request(request), signal);
}

/** The cloud provider that can count for this model itself, if any (unknown or local models are counted here). */
function countingProvider(model: string, catalog: ModelCatalog): RouteDecision | undefined {
  const decision = providerFor(model, catalog);
  return decision?.target === 'cloud' && decision.provider.countTokens ? decision : undefined;
}
