/**
 * @module Ready-to-paste settings that point a tool at the proxy. The panel shows them with a placeholder; the
 * extension copies them with the real token filled in, so the token never reaches the webview.
 */
import type { CopyTarget } from './protocol.ts';

export interface Endpoint {
  /** OpenAI-compatible base URL, `http://127.0.0.1:8787/v1`. */
  openai: string;
  /** Anthropic base URL, `http://127.0.0.1:8787`. */
  anthropic: string;
}

export interface Snippet {
  target: Extract<CopyTarget, `snippet:${string}`>;
  tool: string;
  text: string;
}

/** What the panel shows in place of the token. */
export const TOKEN_PLACEHOLDER = '<token>';

/** One snippet per tool, in the order the panel lists them. */
export function connectSnippets(endpoint: Endpoint, token: string): Snippet[] {
  return [
    {
      target: 'snippet:openai',
      tool: 'openai SDK',
      text: `import OpenAI from 'openai';\nconst client = new OpenAI({ baseURL: '${endpoint.openai}', apiKey: '${token}' });`,
    },
    {
      target: 'snippet:claude-code',
      tool: 'Claude Code',
      text: `ANTHROPIC_BASE_URL=${endpoint.anthropic} ANTHROPIC_API_KEY=${token} claude`,
    },
    {
      target: 'snippet:continue',
      tool: 'Continue',
      text: `models:\n  - name: Tokenwise\n    provider: openai\n    model: auto\n    apiBase: ${endpoint.openai}\n    apiKey: ${token}`,
    },
    {
      target: 'snippet:cline',
      tool: 'Cline',
      text: `API Provider: OpenAI Compatible\nBase URL: ${endpoint.openai}\nAPI Key: ${token}\nModel ID: auto`,
    },
    {
      target: 'snippet:aider',
      tool: 'Aider',
      text: `OPENAI_API_BASE=${endpoint.openai} OPENAI_API_KEY=${token} aider --model openai/auto`,
    },
  ];
}
