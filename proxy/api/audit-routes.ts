/**
 * @module The quality audit's control endpoints: GET /tokenwise/audit (the report the panel and `tokenwise audit`
 * show) and GET /tokenwise/audit/:id (one audit, both answers).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Router } from 'express';
import type { QualityAudit } from '../audit/index.ts';
import { ProxyError } from '../errors.ts';
import { sendJson } from './reply.ts';

export function auditRoutes(audit: QualityAudit): Router {
  const router = express.Router();
  router.get('/tokenwise/audit', (_req: IncomingMessage, res: ServerResponse) => {
    sendJson(res, audit.report());
  });
  router.get('/tokenwise/audit/:id', (req: IncomingMessage & { params: { id: string } }, res: ServerResponse) => {
    const row = /^\d+$/.test(req.params.id) ? audit.find(Number(req.params.id)) : undefined;
    if (!row) throw new ProxyError('not_found', `no audit #${req.params.id}`, { code: 'audit_not_found' });
    sendJson(res, row);
  });
  return router;
}
