/**
 * @module The HTTP adapter: express routes for the OpenAI and Anthropic APIs and the control endpoints. The only
 * place that knows HTTP; it parses, calls the pipeline, and renders results and errors in the caller's API.
 *
 * The routes live on an express Router that node:http calls directly. An express application around it would
 * re-parent every request and response onto its own prototypes (`Object.setPrototypeOf` per request); V8 then
 * meets Node's HTTP objects in a new shape every time. That cost ~0.2 ms of CPU per request, twice what a bare
 * forwarder spends in all (`bench/profile-overhead.ts`), and bought only helpers the routes do not need (reply.ts
 * has the few they do).
 *
 * @example
 * const handler = createApp({ pipeline, catalog, token: 't', config, health: () => ({}) });
 * http.createServer(handler).listen(8787, '127.0.0.1');
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type NextFunction } from 'express';
import { PRIVATE_ROUTES, ROUTES, type ProxyHealth } from '../../shared/protocol.ts';
import type { Config } from '../config/schema.ts';
import { ProxyError } from '../errors.ts';
import type { Pipeline } from '../pipeline.ts';
import type { ModelCatalog } from '../router/index.ts';
import { serveCountTokens } from './anthropic/count-tokens.ts';
import { parseMessagesRequest } from './anthropic/messages-request.ts';
import { errorBody, toProxyError, type WireApi } from './errors.ts';
import type { CacheControl } from '../cache/index.ts';
import type { UsageRecorder } from '../usage/index.ts';
import { controlRoutes, type ControlOptions } from './control.ts';
import type { SessionRecorder } from '../record/recorder.ts';
import type { WhatIf } from '../record/what-if.ts';
import type { TeamUsage } from '../team/usage-totals.ts';
import type { QualityAudit } from '../audit/index.ts';
import { auditRoutes } from './audit-routes.ts';
import { checkOrigin, checkToken, corsHeaders } from './guard.ts';
import { modelList } from './models.ts';
import { parseChatCompletionRequest } from './openai/chat-request.ts';
import { parseResponsesRequest } from './openai/responses-request.ts';
import { jsonBody } from './body.ts';
import { pathOf, sendJson, type ApiRequest } from './reply.ts';
import { serveChat } from './serve-chat.ts';

export interface AppDeps {
  config: Pick<Config, 'maxBodyBytes' | 'allowedHosts' | 'allowedOrigins'>;
  token: string;
  pipeline: Pipeline;
  catalog: ModelCatalog;
  /** The body of GET /tokenwise/health. */
  health: () => ProxyHealth;
  usage?: UsageRecorder;
  /** GET / DELETE /tokenwise/cache: the exact and semantic caches together. */
  cache?: CacheControl;
  /** Team usage totals (team mode only): GET /tokenwise/usage?scope=team. */
  team?: TeamUsage;
  /** GET /tokenwise/doctor: the local model's backend and measured speed. */
  doctor?: ControlOptions['doctor'];
  audit?: QualityAudit;
  log?: (line: string) => void;
  /** Records sessions for replay (config `record.dir`, header `x-tokenwise-record`). */
  recorder?: SessionRecorder;
  /** What a switched-off lever would have saved on the recordings since a time. */
  whatIf?: (since: number) => Promise<WhatIf>;
}

function apiOf(req: IncomingMessage): WireApi {
  const path = pathOf(req);
  return path.startsWith('/v1/messages') ? 'anthropic' : path.startsWith('/v1/responses') ? 'responses' : 'openai';
}

/** The request listener for node:http. */
export function createApp(deps: AppDeps): RequestListener {
  const log = deps.log ?? (() => {});
  const guard = {
    token: deps.token,
    allowedHosts: deps.config.allowedHosts,
    allowedOrigins: deps.config.allowedOrigins,
  };
  const app = express.Router();

  app.use(function checkCaller(req: IncomingMessage, res: ServerResponse, next: NextFunction) {
    checkOrigin(req.headers, guard);
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    for (const [name, value] of Object.entries(corsHeaders(req.headers, guard, preflight))) res.setHeader(name, value);
    if (!preflight) return next();
    res.statusCode = 204;
    res.end();
  });

  // Spending money (/v1) and reading usage need the token; health and metrics are for supervisors and scrapers.
  const requireToken = (req: IncomingMessage, _res: ServerResponse, next: NextFunction) => {
    checkToken(req.headers, deps.token);
    next();
  };
  // Any content type: some clients omit it, and a clear JSON error beats a silent empty body.
  const json = jsonBody(deps.config.maxBodyBytes);
  const post = (path: string, handler: (req: ApiRequest, res: ServerResponse) => Promise<void>) =>
    app.post(path, json, handler as unknown as express.RequestHandler);

  // The API first: a model call passes no other route on its way in.
  app.use('/v1', requireToken);
  post('/v1/chat/completions', async (req, res) => {
    await serveChat('openai', parseChatCompletionRequest(req.body), req, res, {
      pipeline: deps.pipeline,
      log,
      recorder: deps.recorder,
    });
  });
  post('/v1/messages', async (req, res) => {
    await serveChat('anthropic', parseMessagesRequest(req.body, req.headers), req, res, {
      pipeline: deps.pipeline,
      log,
      recorder: deps.recorder,
    });
  });
  post('/v1/responses', async (req, res) => {
    await serveChat('responses', parseResponsesRequest(req.body), req, res, {
      pipeline: deps.pipeline,
      log,
      recorder: deps.recorder,
    });
  });
  post('/v1/messages/count_tokens', async (req, res) => {
    await serveCountTokens(req, res, deps.catalog);
  });
  app.get('/v1/models', (_req: IncomingMessage, res: ServerResponse) => {
    sendJson(res, modelList(deps.catalog));
  });

  app.get(ROUTES.health, (_req: IncomingMessage, res: ServerResponse) => {
    sendJson(res, deps.health());
  });
  // Every control route but health and metrics reads the caller's usage or acts on the proxy: a route added to
  // ROUTES needs the token without anyone remembering to list it here.
  app.use(PRIVATE_ROUTES, requireToken);
  if (deps.usage)
    app.use(
      controlRoutes({
        usage: deps.usage,
        cache: deps.cache,
        team: deps.team,
        doctor: deps.doctor,
        whatIf: deps.whatIf,
      }),
    );
  if (deps.audit) app.use(auditRoutes(deps.audit));

  app.use((req: IncomingMessage) => {
    throw new ProxyError('not_found', `no route for ${req.method} ${pathOf(req)}`, { code: 'unknown_route' });
  });

  function renderError(error: unknown, req: ApiRequest, res: ServerResponse) {
    const failure = toProxyError(error);
    if (failure.status >= 500 && !(error instanceof ProxyError))
      log(`internal error on ${req.method} ${pathOf(req)}: ${(error as Error)?.stack ?? String(error)}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    // A caller without the token gets its answer and loses the connection: it must not keep trickling a body in.
    if (failure.status === 401 && !req.complete) res.setHeader('connection', 'close');
    if (failure.options.retryAfterSeconds !== undefined)
      res.setHeader('retry-after', String(Math.ceil(failure.options.retryAfterSeconds)));
    // The OpenAI and Anthropic SDKs (and the agents built on them) honour this: retrying a tool loop only loops.
    if (failure.options.final) res.setHeader('x-should-retry', 'false');
    res.setHeader('x-tokenwise-overhead-ms', (performance.now() - req.arrived).toFixed(2));
    sendJson(res, errorBody(apiOf(req), failure), failure.status);
  }

  return function tokenwise(req, res) {
    (req as ApiRequest).arrived = performance.now();
    app(req as never, res as never, (error?: unknown) => renderError(error, req as ApiRequest, res));
  };
}
