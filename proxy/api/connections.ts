/**
 * @module Limits on callers' connections. Node's defaults let a client that sends its headers or body a byte a
 * minute hold a socket forever (`requestTimeout` 0 here before), and 2,000 of them exhausted the file descriptors.
 * Time limits cover receiving the request only: a long generation or the event stream is never cut by them.
 */
import type http from 'node:http';
import type { Config } from '../config/schema.ts';

/** Share of `max` at which idle keep-alive connections are closed to make room. */
const CROWDED = 0.9;

/** The node:http server options that bound how long a caller may take to send its request. */
export function serverTimeouts(limits: Config['connections']): http.ServerOptions {
  // Deadlines are checked on this interval (Node's default, 30 s, would let a slow client stay 30 s too long).
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  };
}

/** Caps open connections; near the cap, idle keep-alive connections go first so working callers get in. */
export function limitConnections(server: http.Server, limits: Config['connections']): void {
  server.maxConnections = limits.max;
  let open = 0;
  server.on('connection', function countConnection(socket) {
    open++;
    socket.once('close', () => open--);
    if (open >= limits.max * CROWDED) server.closeIdleConnections();
  });
}
