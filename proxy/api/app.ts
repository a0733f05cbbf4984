/**
 * @module The HTTP adapter: express routes for the OpenAI and Anthropic APIs and the control endpoints. The only
 * place that knows HTTP; it parses, calls the pipeline, and renders results and errors in the caller's API.
 *
 * @example
 * const app = createApp({ pipeline, catalog, token: 't', config, health: () => ({}) });
 * app.listen(8787, '127.0.0.1');
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../config/schema.ts';
import { ProxyError } from '../errors.ts';
import type { Pipeline } from '../pipeline.ts';
import type { ModelCatalog } from '../router/select.ts';
import { serveCountTokens } from './anthropic/count-tokens.ts';
import { parseMessagesRequest } from './anthropic/messages-request.ts';
import { errorBody, toProxyError, type WireApi } from './errors.ts';
import type { SemanticCache } from '../cache/semantic/semantic-cache.ts';
import type { ExactCache } from '../cache/store.ts';
import type { UsageRecorder } from '../usage/index.ts';
import { controlRoutes } from './control.ts';
import { checkOrigin, checkToken } from './guard.ts';
import { modelList } from './models.ts';
import { parseChatCompletionRequest } from './openai/chat-request.ts';
import { parseResponsesRequest } from './openai/responses-request.ts';
import { serveChat } from './serve-chat.ts';

export interface AppDeps {
  config: Pick<Config, 'maxBodyBytes' | 'allowedHosts' | 'allowedOrigins'>;
  token: string;
  pipeline: Pipeline;
  catalog: ModelCatalog;
  /** The body of GET /tokenwise/health. */
  health: () => Record<string, unknown>;
  usage?: UsageRecorder;
  cache?: ExactCache;
  /** The semantic cache, once it is ready. */
  semantic?: () => SemanticCache | undefined;
  log?: (line: string) => void;
}

const apiOf = (req: Request): WireApi => (req.path.startsWith('/v1/messages') ? 'anthropic' : req.path.startsWith('/v1/responses') ? 'responses' : 'openai');

export function createApp(deps: AppDeps): express.Express {
  const log = deps.log ?? (() => {});
  const guard = { token: deps.token, allowedHosts: deps.config.allowedHosts, allowedOrigins: deps.config.allowedOrigins };
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  app.use(function stampArrival(req: Request, res: Response, next: NextFunction) {
    res.locals.arrived = performance.now();
    checkOrigin(req.headers, guard);
    next();
  });

  app.get('/tokenwise/health', (_req, res) => {
    res.json(deps.health());
  });

  // Spending money (/v1) and reading usage need the token; health and metrics are for supervisors and scrapers.
  app.use(['/v1', '/tokenwise/usage', '/tokenwise/events', '/tokenwise/cache'], function requireToken(req: Request, _res: Response, next: NextFunction) {
    checkToken(req.headers, deps.token);
    next();
  });
  if (deps.usage) app.use(controlRoutes({ usage: deps.usage, cache: deps.cache, semantic: deps.semantic }));
  // Any content type: some clients omit it, and a clear JSON error beats a silent empty body.
  const json = express.json({ limit: deps.config.maxBodyBytes, type: () => true, strict: false });

  app.get('/v1/models', (_req, res) => {
    res.json(modelList(deps.catalog));
  });
  app.post('/v1/chat/completions', json, async (req, res) => {
    await serveChat('openai', parseChatCompletionRequest(req.body), req, res, { pipeline: deps.pipeline, log });
  });
  app.post('/v1/responses', json, async (req, res) => {
    await serveChat('responses', parseResponsesRequest(req.body), req, res, { pipeline: deps.pipeline, log });
  });
  app.post('/v1/messages/count_tokens', json, async (req, res) => {
    await serveCountTokens(req, res, deps.catalog);
  });
  app.post('/v1/messages', json, async (req, res) => {
    await serveChat('anthropic', parseMessagesRequest(req.body, req.headers), req, res, { pipeline: deps.pipeline, log });
  });

  app.use((req: Request) => {
    throw new ProxyError('not_found', `no route for ${req.method} ${req.path}`, { code: 'unknown_route' });
  });

  app.use(function renderError(error: unknown, req: Request, res: Response, _next: NextFunction) {
    const failure = fromBodyParser(error) ?? toProxyError(error);
    if (failure.status >= 500 && !(error instanceof ProxyError)) log(`internal error on ${req.method} ${req.path}: ${(error as Error)?.stack ?? String(error)}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    if (failure.options.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(Math.ceil(failure.options.retryAfterSeconds)));
    // The OpenAI and Anthropic SDKs (and the agents built on them) honour this: retrying a tool loop only loops.
    if (failure.options.final) res.setHeader('x-should-retry', 'false');
    if (res.locals.arrived !== undefined) res.setHeader('x-tokenwise-overhead-ms', (performance.now() - (res.locals.arrived as number)).toFixed(2));
    res.status(failure.status).json(errorBody(apiOf(req), failure));
  });
  return app;
}

/** body-parser's own errors (bad JSON, too large) carry a `type`; give them the caller's shape. */
function fromBodyParser(error: unknown): ProxyError | undefined {
  const type = (error as { type?: string } | null)?.type;
  if (type === 'entity.too.large') return new ProxyError('too_large', `request body is larger than the ${(error as { limit: number }).limit} bytes allowed (maxBodyBytes)`);
  if (type === 'entity.parse.failed') return new ProxyError('invalid_request', `request body is not valid JSON: ${(error as Error).message}`);
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new ProxyError('invalid_request', (error as Error).message);
  if (type === 'request.aborted') return new ProxyError('invalid_request', 'request aborted by the client');
  return undefined;
}
