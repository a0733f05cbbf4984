/**
 * @module "Connect a tool": writes the proxy's base URL and token into a coding agent's own settings file, the way
 * docs/agents.md's "Coding agents (tested)" section sets each one up, merged into what the file already holds. The first
 * connect keeps a backup of the file as it was (or notes that there was none); undo puts it back. No `vscode`
 * import: plain Node tests run it on real files in a temporary home.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTomlProvider, setYamlModel, UnsupportedConfigError } from './agent-config-text.ts';

/** Where the proxy answers: `url` without `/v1`, and the token callers send as their API key. */
export interface ProxyEndpoint {
  url: string;
  token: string;
}

export type AgentId = 'claude-code' | 'codex' | 'continue' | 'qwen-code' | 'opencode';

interface Agent {
  id: AgentId;
  name: string;
  /** The settings file, relative to the home folder. */
  file: string;
  /** The file's new text; `text` is undefined when the file does not exist yet. */
  apply(text: string | undefined, endpoint: ProxyEndpoint): string;
}

type Json = Record<string, unknown>;

/** The JSON file's object with `edit` applied; a file that is not a JSON object is refused. */
function editJson(text: string | undefined, edit: (settings: Json) => void): string {
  let settings: unknown = {};
  if (text?.trim()) {
    try {
      settings = JSON.parse(text);
    } catch (error) {
      throw new UnsupportedConfigError(
        `it is not plain JSON (${(error as Error).message}); comments are not read here`,
      );
    }
  }
  if (!settings || typeof settings !== 'object' || Array.isArray(settings))
    throw new UnsupportedConfigError('it does not hold a JSON object');
  edit(settings as Json);
  return `${JSON.stringify(settings, null, 2)}\n`;
}

/** The object at `key` (created when missing); a non-object there is refused rather than overwritten. */
function child(parent: Json, key: string): Json {
  const value = parent[key] ?? (parent[key] = {});
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new UnsupportedConfigError(`its "${key}" is not an object`);
  return value as Json;
}

/** The provider and model names the agents are given (as in docs/agents.md). */
const PROVIDER_ID = 'tokenwise';
const MODEL = 'auto';

export const AGENTS: Agent[] = [
  {
    id: 'claude-code',
    name: 'Claude Code',
    file: '.claude/settings.json',
    // The token as a Bearer header (ANTHROPIC_AUTH_TOKEN): Claude Code asks before using an ANTHROPIC_API_KEY it finds.
    apply: (text, { url, token }) =>
      editJson(text, (settings) =>
        Object.assign(child(settings, 'env'), { ANTHROPIC_BASE_URL: url, ANTHROPIC_AUTH_TOKEN: token }),
      ),
  },
  {
    id: 'codex',
    name: 'Codex CLI',
    file: '.codex/config.toml',
    // docs/agents.md's provider table, with the token written in (experimental_bearer_token) instead of an env_key the
    // user would have to export.
    apply: (text, { url, token }) =>
      setTomlProvider(text ?? '', PROVIDER_ID, {
        name: 'Tokenwise',
        base_url: `${url}/v1`,
        experimental_bearer_token: token,
        wire_api: 'responses',
      }),
  },
  {
    id: 'continue',
    name: 'Continue',
    file: '.continue/config.yaml',
    apply: (text, { url, token }) => {
      const item = [
        `name: ${PROVIDER_ID}`,
        'provider: openai',
        `model: ${MODEL}`,
        `apiBase: ${url}/v1`,
        `apiKey: ${token}`,
      ];
      return setYamlModel(text ?? `name: ${PROVIDER_ID}\nversion: 1.0.0\nschema: v1\n`, PROVIDER_ID, item);
    },
  },
  {
    id: 'qwen-code',
    name: 'Qwen Code',
    file: '.qwen/settings.json',
    apply: (text, { url, token }) =>
      editJson(text, (settings) => {
        Object.assign(child(child(settings, 'security'), 'auth'), {
          selectedType: 'openai',
          apiKey: token,
          baseUrl: `${url}/v1`,
        });
        child(settings, 'model').name = MODEL;
        // As docs/agents.md says: otherwise Qwen adds a hidden memory-extraction call every turn.
        child(settings, 'privacy').usageStatisticsEnabled = false;
        Object.assign(child(settings, 'memory'), { enableManagedAutoMemory: false, enableManagedAutoDream: false });
        child(settings, 'telemetry').enabled = false;
      }),
  },
  {
    id: 'opencode',
    name: 'opencode',
    file: '.config/opencode/opencode.json',
    apply: (text, { url, token }) =>
      editJson(text, (settings) => {
        child(settings, 'provider')[PROVIDER_ID] = {
          npm: '@ai-sdk/openai-compatible',
          name: 'Tokenwise',
          options: { baseURL: `${url}/v1`, apiKey: token },
          models: { [MODEL]: { name: MODEL } },
        };
      }),
  },
];

/** The backup beside the settings file: its text before the first connect, or null when there was no file. */
const backupOf = (file: string) => `${file}.tokenwise-backup.json`;

export const agentFile = (agent: Agent, home: string) => path.join(home, agent.file);

/** Writes the endpoint into the agent's settings file (backing up the original once); returns the file. */
export function connectAgent(agent: Agent, home: string, endpoint: ProxyEndpoint): string {
  const file = agentFile(agent, home);
  const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  let after: string;
  try {
    after = agent.apply(before, endpoint);
  } catch (error) {
    if (error instanceof UnsupportedConfigError)
      throw new Error(`${agent.name}: ${file} was left as it is: ${error.message}.`);
    throw error;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(backupOf(file)))
    fs.writeFileSync(backupOf(file), JSON.stringify({ text: before ?? null }), { mode: 0o600 });
  // The token is a secret: a file created here is readable by its owner only.
  fs.writeFileSync(file, after, before === undefined ? { mode: 0o600 } : {});
  return file;
}

/** Whether `undoAgent` has something to put back. */
export const canUndo = (agent: Agent, home: string) => fs.existsSync(backupOf(agentFile(agent, home)));

/** Puts the agent's settings file back as it was before the first connect (removes it if there was none). */
export function undoAgent(agent: Agent, home: string): string {
  const file = agentFile(agent, home);
  const backup = backupOf(file);
  if (!fs.existsSync(backup)) throw new Error(`${agent.name}: there is no Tokenwise backup of ${file} to restore.`);
  const { text } = JSON.parse(fs.readFileSync(backup, 'utf8')) as { text: string | null };
  if (text === null) fs.rmSync(file, { force: true });
  else fs.writeFileSync(file, text);
  fs.rmSync(backup);
  return file;
}
