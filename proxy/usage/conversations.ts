/**
 * @module Per-conversation totals for /tokenwise/conversations and the panel: what each agent conversation cost,
 * in how many requests and tokens, from its first to its last request. A conversation is the session breaker's id
 * (the agent's own session id, else the hash of its first user message) within one client.
 */
import type { Database } from 'node-sqlite3-wasm';
import type { ConversationTotals } from '../../shared/protocol.ts';

export type { ConversationTotals };

/** The costliest conversations with a request in [since, until), most expensive first (then the latest). */
export function conversationTotals(db: Database, since: number, until: number, limit: number): ConversationTotals[] {
  const rows = db.all(
    `SELECT conversation AS id, client, count(*) AS requests, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
      sum(coalesce(cost_usd, 0)) AS cost_usd, sum(saved_cache + saved_coalescing + saved_routing + saved_trimming + saved_prompt_cache) AS saved_usd,
      min(time) AS first, max(time) AS last
    FROM requests WHERE time >= ? AND time < ? AND conversation IS NOT NULL
    GROUP BY conversation, client ORDER BY cost_usd DESC, last DESC LIMIT ?`,
    [since, until, limit],
  ) as Record<string, number | string>[];
  return rows.map((r) => ({
    id: String(r.id),
    client: String(r.client),
    requests: Number(r.requests),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    costUsd: Number(r.cost_usd),
    savedUsd: Number(r.saved_usd),
    first: Number(r.first),
    last: Number(r.last),
  }));
}
