/**
 * @module Names the tool behind a request, so usage can be split by tool: an explicit `x-tokenwise-client` header
 * wins, else the User-Agent is matched against the tools developers actually point at the proxy.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** First match wins: specific agents before the SDKs they are built on. */
const userAgents: [RegExp, string][] = [
  [/claude-cli|claude-code/i, 'claude-code'],
  [/codex/i, 'codex'],
  [/qwen-?code/i, 'qwen-code'],
  [/opencode/i, 'opencode'],
  [/continue/i, 'continue'],
  // Continue's CLI (cn 1.5) bundles the openai SDK minified: its class name, and so its User-Agent, is "ls/JS <version>".
  [/^ls\/JS \d/, 'continue'],
  [/cline/i, 'cline'],
  [/aider|litellm/i, 'aider'],
  [/OpenAI\/Python/i, 'openai-python'],
  [/OpenAI\/JS/i, 'openai-node'],
  [/Anthropic\/Python/i, 'anthropic-python'],
  [/Anthropic\/JS/i, 'anthropic-node'],
  [/^curl\//i, 'curl'],
  [/ai-sdk|vercel/i, 'vercel-ai-sdk'],
];

export function clientName(headers: IncomingHttpHeaders): string {
  const explicit = headers['x-tokenwise-client'];
  if (typeof explicit === 'string' && explicit.trim()) return explicit.trim().slice(0, 64);
  const agent = headers['user-agent'] ?? '';
  for (const [pattern, name] of userAgents) if (pattern.test(agent)) return name;
  return agent ? agent.split(/[\s/]/)[0]!.slice(0, 64).toLowerCase() : 'unknown';
}
