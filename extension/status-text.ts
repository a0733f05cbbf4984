/**
 * @module What the status bar says for each proxy state: text, tooltip lines and whether it is an error. Pure, so
 * the words are tested without an editor.
 */
import { duration, percent, savedShare, statusSummary, tokens, usd } from '../shared/format.ts';
import type { PanelSnapshot } from '../shared/protocol.ts';

export interface StatusText {
  text: string;
  /** Markdown lines. */
  tooltip: string[];
  tone: 'normal' | 'warning' | 'error';
}

export function statusText(snapshot: PanelSnapshot): StatusText {
  const { proxy, today } = snapshot;
  switch (proxy.kind) {
    case 'stopped':
      return {
        text: '$(circle-slash) Tokenwise stopped',
        tooltip: ['**Tokenwise proxy is stopped.**', 'Click to start it.'],
        tone: 'warning',
      };
    case 'starting':
      return {
        text: '$(loading~spin) Tokenwise starting…',
        tooltip: ['Starting the Tokenwise proxy…'],
        tone: 'normal',
      };
    case 'restarting':
      return {
        text: `$(loading~spin) Tokenwise restarting…`,
        tooltip: [`**The proxy stopped** (${proxy.reason}).`, `Restarting it (attempt ${proxy.attempt}).`],
        tone: 'warning',
      };
    case 'failed':
      return {
        text: '$(error) Tokenwise failed',
        tooltip: ['**The Tokenwise proxy is not running.**', proxy.reason, 'Click to see the log.'],
        tone: 'error',
      };
    case 'running': {
      const top = snapshot.byModel[0];
      const levers = Object.entries(today.savedByLever)
        .filter(([, v]) => v > 0)
        .map(([lever, v]) => `${lever} ${usd(v)}`);
      return {
        text: `$(pulse) ${statusSummary(today)}`,
        tooltip: [
          `**Tokenwise today** — ${usd(today.costUsd)} spent, ${usd(today.savedUsd)} saved (${percent(savedShare(today))} of ${usd(today.baselineCostUsd)})`,
          `Requests: ${today.requests}${today.errors ? ` (${today.errors} failed)` : ''} · tokens ${tokens(today.inputTokens)} in / ${tokens(today.outputTokens)} out`,
          `Local share: ${percent(today.localShare)} · cache hit rate: ${percent(today.cacheHitRate)}${today.latencyP50Ms ? ` · p50 ${duration(today.latencyP50Ms)}` : ''}`,
          ...(levers.length ? [`Saved by: ${levers.join(', ')}`] : []),
          ...(top ? [`Top model: ${top.key} (${top.requests} requests, ${usd(top.costUsd)})`] : []),
          `Proxy: ${proxy.url}${proxy.attached ? ` (attached, pid ${proxy.pid})` : ` (pid ${proxy.pid})`} · local model: ${proxy.local?.state ?? 'unknown'}`,
          'Click to open the usage panel.',
        ],
        tone: proxy.local?.state === 'unavailable' ? 'warning' : 'normal',
      };
    }
    default:
      return proxy satisfies never;
  }
}
