/**
 * @module Control endpoints: usage totals (GET /tokenwise/usage), the live feed (GET /tokenwise/events, SSE with
 * Last-Event-ID replay), Prometheus metrics (GET /metrics), the cache (GET / DELETE /tokenwise/cache), the local
 * model's diagnosis (GET /tokenwise/doctor: backend, fit and measured speed), and what a switched-off lever would
 * have saved on the recordings (GET /tokenwise/whatif), and what each agent conversation cost (GET /tokenwise/conversations).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Router } from 'express';
import type { DoctorReport } from '../../shared/llama-backends.ts';
import { EVENTS, ROUTES } from '../../shared/protocol.ts';
import { badRequest, ProxyError } from '../errors.ts';
import type { WhatIf } from '../record/what-if.ts';
import type { CacheControl } from '../cache/index.ts';
import type { TeamUsage } from '../team/usage-totals.ts';
import { GROUP_BYS, parseTime, type GroupBy, type UsageRecorder } from '../usage/index.ts';
import { queryOf, sendJson } from './reply.ts';
import { startEventStream, writeEvent } from './sse.ts';

export interface ControlOptions {
  usage: UsageRecorder;
  cache?: CacheControl;
  /** Team usage totals, in team mode. */
  team?: TeamUsage;
  /** How often the live feed sends today's totals. */
  totalsIntervalMs?: number;
  /** Measures the loaded local model; absent when the local tier is off. */
  doctor?: (signal: AbortSignal) => Promise<DoctorReport>;
  /** Replays the recordings since a time with each switched-off lever on (GET /tokenwise/whatif). */
  whatIf?: (since: number) => Promise<WhatIf>;
}

const WEEK_MS = 7 * 86_400_000;

function startOfToday(now = new Date()): number {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
}

function timeParam(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  try {
    return parseTime(String(value));
  } catch (error) {
    throw badRequest(`${name}: ${(error as Error).message}`, name);
  }
}

/** Totals of every proxy on the team's Redis, per user; `since`/`until` select whole UTC days. */
async function teamTotals(team: TeamUsage | undefined, query: URLSearchParams) {
  if (!team) throw badRequest('scope=team needs team mode: set redis.url (or TOKENWISE_REDIS_URL)', 'scope');
  const since = query.get('since') ? timeParam(query.get('since'), 'since', 0) : undefined;
  const until = timeParam(query.get('until') ?? undefined, 'until', Date.now());
  const totals = await team.totals(since, until);
  if (!totals)
    throw new ProxyError(
      'overloaded',
      "team totals unavailable: Redis does not answer (this proxy's own totals: scope=proxy)",
      { code: 'redis_unavailable', retryAfterSeconds: 1 },
    );
  return { scope: 'team', since: since ?? null, until, ...totals };
}

/** Conversations /tokenwise/conversations lists when the caller names no limit. */
const CONVERSATIONS_LIMIT = 20;

export function controlRoutes({
  usage,
  cache,
  team,
  doctor,
  whatIf,
  totalsIntervalMs = 5_000,
}: ControlOptions): Router {
  const router = express.Router();

  router.get(ROUTES.whatIf, async (req: IncomingMessage, res: ServerResponse) => {
    if (!whatIf)
      throw new ProxyError('not_found', 'what-if needs recordings: set record.dir in the Tokenwise config', {
        code: 'no_recordings',
      });
    sendJson(res, await whatIf(timeParam(queryOf(req).get('since') ?? undefined, 'since', Date.now() - WEEK_MS)));
  });

  router.get(ROUTES.doctor, async (_req: IncomingMessage, res: ServerResponse) => {
    if (!doctor)
      throw new ProxyError('overloaded', 'the local model is off (local.model = "off")', {
        code: 'local_model_unavailable',
      });
    const measuring = new AbortController();
    res.on('close', () => measuring.abort());
    sendJson(res, await doctor(measuring.signal));
  });

  router.get(ROUTES.cache, (_req: IncomingMessage, res: ServerResponse) => {
    sendJson(res, cache?.report() ?? { enabled: false });
  });

  router.delete(ROUTES.cache, (_req: IncomingMessage, res: ServerResponse) => {
    sendJson(res, { cleared: cache?.clear() ?? 0 });
  });

  router.get(ROUTES.usage, async (req: IncomingMessage, res: ServerResponse) => {
    const query = queryOf(req);
    const scope = query.get('scope') ?? 'proxy';
    if (scope === 'team') {
      usage.flush(); // this proxy's latest requests reach the team counters first
      return sendJson(res, await teamTotals(team, query));
    }
    if (scope !== 'proxy')
      throw badRequest("scope: expected proxy (this proxy's ledger) or team (every proxy on the Redis)", 'scope');
    const since = timeParam(query.get('since') ?? undefined, 'since', 0);
    const until = timeParam(query.get('until') ?? undefined, 'until', Date.now() + 1);
    const groupBy = query.get('groupBy') ?? undefined;
    if (groupBy !== undefined && !GROUP_BYS.includes(groupBy as GroupBy))
      throw badRequest(`groupBy: expected one of ${GROUP_BYS.join(', ')}`, 'groupBy');
    sendJson(res, usage.summary(since, until, groupBy as GroupBy | undefined));
  });

  router.get(ROUTES.conversations, (req: IncomingMessage, res: ServerResponse) => {
    const query = queryOf(req);
    const since = timeParam(query.get('since') ?? undefined, 'since', 0);
    const until = timeParam(query.get('until') ?? undefined, 'until', Date.now() + 1);
    const limit = Number(query.get('limit') ?? CONVERSATIONS_LIMIT);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw badRequest('limit: expected a whole number from 1 to 1000', 'limit');
    sendJson(res, { since, until, conversations: usage.conversations(since, until, limit) });
  });

  router.get(ROUTES.events, (req: IncomingMessage, res: ServerResponse) => {
    const lastId = Number(req.headers['last-event-id'] ?? queryOf(req).get('lastEventId') ?? NaN);
    startEventStream(res);
    res.write('retry: 2000\n\n');
    const send = (event: { id: number }) =>
      res.write(`id: ${event.id}\nevent: ${EVENTS.request}\ndata: ${JSON.stringify(event)}\n\n`);
    const sendTotals = () => writeEvent(res, EVENTS.totals, usage.summary(startOfToday(), Date.now() + 1).totals);
    // Totals drain the recorder, publishing what was queued: replay after that, and subscribe in the same tick, so
    // nothing falls between the two.
    sendTotals();
    if (Number.isFinite(lastId)) for (const event of usage.live.since(lastId)) send(event);
    const unsubscribe = usage.live.subscribe(send);
    const timer = setInterval(sendTotals, totalsIntervalMs);
    res.on('close', () => {
      unsubscribe();
      clearInterval(timer);
    });
  });

  router.get(ROUTES.metrics, async (_req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('content-type', usage.metrics.registry.contentType);
    res.end(await usage.metrics.registry.metrics());
  });

  return router;
}
