/**
 * @module Cloud API keys: kept in VS Code's SecretStorage (the OS keychain), handed to the proxy only through its
 * environment. Never in settings, never on disk in plain text, never logged, never sent to the webview.
 */
import type * as vscode from 'vscode';

export interface CloudKey {
  provider: string;
  label: string;
  /** The variable the proxy reads the key from. */
  env: 'OPENAI_API_KEY' | 'ANTHROPIC_API_KEY';
  /** Where the key lives in SecretStorage. */
  secret: string;
}

export const CLOUD_KEYS: readonly CloudKey[] = [
  {
    provider: 'openai',
    label: 'OpenAI (or any OpenAI-compatible base URL)',
    env: 'OPENAI_API_KEY',
    secret: 'tokenwise.apiKey.openai',
  },
  { provider: 'anthropic', label: 'Anthropic', env: 'ANTHROPIC_API_KEY', secret: 'tokenwise.apiKey.anthropic' },
];

/** The stored keys as environment variables for the child process. */
export async function cloudKeyEnv(secrets: vscode.SecretStorage): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const key of CLOUD_KEYS) {
    const value = await secrets.get(key.secret);
    if (value) env[key.env] = value;
  }
  return env;
}
