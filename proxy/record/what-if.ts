/**
 * @module What a lever that is off would have saved on the sessions recorded in a window (the editor's "routing on:
 * −$4.10"), and each recorded conversation's running cost: the recordings replayed by the replay eval's own code,
 * once under the running config and once per switched-off lever with that lever on.
 */
import fs from 'node:fs';
import type { Config } from '../config/schema.ts';
import { replayReport } from '../eval/replay/index.ts';
import { loadSessions } from '../eval/replay/sessions.ts';
import type { Lever } from '../usage/index.ts';

export interface WhatIf {
  since: number;
  sessions: number;
  turns: number;
  /** The window's cost under the running config, replayed. */
  costUsd: number;
  /** One entry per lever that is off: what turning it on would have saved (negative: it would have cost more). */
  levers: { lever: Lever; setting: string; savedUsd: number }[];
  /** Recorded agent conversations, costliest first. */
  conversations: { id: string; turns: number; costUsd: number; lastTime: number }[];
}

/** The config with one lever switched on, when it is off; the setting that does it, in config words. */
function switchedOn(config: Config, lever: Lever): { config: Config; setting: string } | undefined {
  const on = structuredClone(config);
  switch (lever) {
    case 'cache':
      if (config.cache.exact.enabled) return undefined;
      on.cache.exact.enabled = true;
      return { config: on, setting: 'cache.exact.enabled' };
    case 'coalescing':
      if (config.cache.coalesce) return undefined;
      on.cache.coalesce = true;
      return { config: on, setting: 'cache.coalesce' };
    case 'routing':
      if ((config.router.allowDowngrade && config.router.classifier) || config.local.model === 'off') return undefined;
      on.router.allowDowngrade = true;
      on.router.classifier = true;
      return { config: on, setting: 'router.allowDowngrade' };
    case 'trimming':
      if (config.context.enabled) return undefined;
      on.context.enabled = true;
      return { config: on, setting: 'context.enabled' };
    case 'promptCache':
      if (config.cache.promptCaching) return undefined;
      on.cache.promptCaching = true;
      return { config: on, setting: 'cache.promptCaching' };
    default:
      lever satisfies never;
      return undefined;
  }
}

const LEVERS_TO_TRY: Lever[] = ['routing', 'trimming', 'promptCache', 'cache', 'coalescing'];
const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

/** Replays the recordings in `dir` made since `since` (ms) under `config`, and under each lever that is off. */
export async function whatIf(config: Config, dir: string, since: number): Promise<WhatIf> {
  const premium = config.usage.baselineModel ?? config.usage.premiumModel;
  if (!fs.existsSync(dir)) return { since, sessions: 0, turns: 0, costUsd: 0, levers: [], conversations: [] };
  const loaded = loadSessions([dir], premium);
  const sessions = loaded.sessions
    .map((s) => ({ ...s, turns: s.turns.filter((t) => (t.time ?? 0) >= since) }))
    .filter((s) => s.turns.length);
  const current = await replayReport(sessions, [], { model: premium, config });
  const levers: WhatIf['levers'] = [];
  for (const lever of LEVERS_TO_TRY) {
    const on = switchedOn(config, lever);
    if (!on || !sessions.length) continue;
    const changed = await replayReport(sessions, [], { model: premium, config: on.config });
    levers.push({ lever, setting: on.setting, savedUsd: round(current.totals.actual_usd - changed.totals.actual_usd) });
  }
  const conversations = current.sessions
    .map((s) => ({
      id: s.id,
      turns: s.turns,
      costUsd: s.actual_usd,
      lastTime: Math.max(...(sessions.find((x) => x.id === s.id)?.turns ?? []).map((t) => t.time ?? 0)),
    }))
    .sort((a, b) => b.costUsd - a.costUsd);
  return {
    since,
    sessions: sessions.length,
    turns: current.totals.turns,
    costUsd: current.totals.actual_usd,
    levers,
    conversations,
  };
}
