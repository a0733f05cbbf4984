/**
 * @module Reads the configuration from its three sources — JSON file, environment, CLI flags, later ones winning —
 * and validates the merge against the schema, naming every unknown key and wrong type in one error.
 */
import fs from 'node:fs';
import type { z } from 'zod';
import { configSchema, defaultConfigFile, type Config, type RawConfig } from './schema.ts';

export class ConfigError extends Error {}

type Source = { name: string; values: Record<string, unknown> };

/** Built-in cloud providers; present unless the config file redefines them. */
const builtInProviders = {
  openai: {
    kind: 'openai',
    baseUrl: 'https://api.openai.com/v1',
    apiKeyEnv: 'OPENAI_API_KEY',
    modelPattern: '^(gpt-|o[1-9]|chatgpt-|codex-)',
    models: ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-4.1', 'gpt-5-mini', 'gpt-5'],
  },
  anthropic: {
    kind: 'anthropic',
    baseUrl: 'https://api.anthropic.com',
    apiKeyEnv: 'ANTHROPIC_API_KEY',
    modelPattern: '^claude-',
    models: ['claude-haiku-4-5', 'claude-sonnet-4-5', 'claude-opus-4-1'],
  },
} as const;

/** Environment variables → config paths. Numbers are parsed here so a bad value names its variable. */
const envMap: [string, string, 'string' | 'number'][] = [
  ['TOKENWISE_HOST', 'host', 'string'],
  ['TOKENWISE_PORT', 'port', 'number'],
  ['TOKENWISE_DATA_DIR', 'dataDir', 'string'],
  ['TOKENWISE_TOKEN', 'token', 'string'],
  ['TOKENWISE_LOCAL_MODEL', 'local.model', 'string'],
  ['TOKENWISE_MODELS_DIR', 'local.modelsDir', 'string'],
  ['TOKENWISE_THREADS', 'local.threads', 'number'],
  ['TOKENWISE_GPU', 'local.gpu', 'string'],
  ['TOKENWISE_PARALLEL', 'local.parallel', 'number'],
  ['TOKENWISE_CONTEXT_SIZE', 'local.contextSize', 'number'],
  ['TOKENWISE_LLAMA_BACKENDS_DIR', 'local.backendsDir', 'string'],
  ['TOKENWISE_DEFAULT_CLOUD_MODEL', 'defaultCloudModel', 'string'],
  ['TOKENWISE_BUDGET_DAILY_USD', 'budget.dailyUsd', 'number'],
  ['TOKENWISE_BUDGET_MONTHLY_USD', 'budget.monthlyUsd', 'number'],
  ['TOKENWISE_AUDIT_SHARE', 'audit.share', 'number'],
  ['TOKENWISE_AUDIT_MAX_USD_PER_DAY', 'audit.maxUsdPerDay', 'number'],
  ['OPENAI_BASE_URL', 'providers.openai.baseUrl', 'string'],
  ['ANTHROPIC_BASE_URL', 'providers.anthropic.baseUrl', 'string'],
  ['TOKENWISE_REDIS_URL', 'redis.url', 'string'],
  ['TOKENWISE_REDIS_PASSWORD', 'redis.password', 'string'],
];

/** CLI flags → config paths (`--port 9000`, `--local-model=off`). */
const flagMap: Record<string, [string, 'string' | 'number' | 'boolean']> = {
  host: ['host', 'string'],
  port: ['port', 'number'],
  'data-dir': ['dataDir', 'string'],
  token: ['token', 'string'],
  'local-model': ['local.model', 'string'],
  'models-dir': ['local.modelsDir', 'string'],
  threads: ['local.threads', 'number'],
  gpu: ['local.gpu', 'string'],
  parallel: ['local.parallel', 'number'],
  'context-size': ['local.contextSize', 'number'],
  'queue-size': ['local.queueSize', 'number'],
  download: ['local.download', 'boolean'],
  'default-cloud-model': ['defaultCloudModel', 'string'],
};

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Already-split CLI flags, e.g. `{ port: '9000' }`; `config` names the file. */
  flags?: Record<string, string | boolean>;
  /** Read no config file unless `flags.config` names one (evaluations measure the defaults, not this machine's file). */
  explicitFileOnly?: boolean;
}

/** Loads, merges and validates the configuration. Throws `ConfigError` listing every problem. */
export function loadConfig({ env = process.env, flags = {}, explicitFileOnly = false }: LoadOptions = {}): Config {
  const problems: string[] = [];
  const fileName = typeof flags.config === 'string' ? flags.config : env.TOKENWISE_CONFIG;
  const file =
    explicitFileOnly && fileName === undefined
      ? {}
      : readConfigFile(fileName ?? defaultConfigFile(env), fileName !== undefined, problems);

  const fromEnv: Record<string, unknown> = {};
  for (const [name, at, type] of envMap) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(fromEnv, at, coerce(raw, type, name, problems));
  }

  const fromFlags: Record<string, unknown> = {};
  for (const [flag, value] of Object.entries(flags)) {
    if (flag === 'config') continue;
    const mapped = flagMap[flag];
    if (!mapped) {
      problems.push(
        `--${flag}: unknown flag (known: ${Object.keys(flagMap)
          .map((f) => `--${f}`)
          .join(', ')}, --config)`,
      );
      continue;
    }
    setPath(fromFlags, mapped[0], coerce(value, mapped[1], `--${flag}`, problems));
  }

  const sources: Source[] = [
    { name: 'defaults', values: { providers: structuredClone(builtInProviders) } },
    { name: 'file', values: file },
    { name: 'env', values: fromEnv },
    { name: 'flags', values: fromFlags },
  ];
  const merged = sources.reduce<Record<string, unknown>>((acc, source) => deepMerge(acc, source.values), {});
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);

  const parsed = configSchema.safeParse(merged as RawConfig);
  if (!parsed.success) throw new ConfigError(`invalid configuration:\n  ${describeIssues(parsed.error).join('\n  ')}`);
  return parsed.data;
}

/** The API key of a provider: its own `apiKey`, else the environment variable it names. */
export function apiKeyOf(
  provider: { apiKey?: string; apiKeyEnv?: string },
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return provider.apiKey ?? (provider.apiKeyEnv ? env[provider.apiKeyEnv] || undefined : undefined);
}

function readConfigFile(file: string, explicit: boolean, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (!explicit && (error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    problems.push(`${file}: cannot read (${(error as Error).message})`);
    return {};
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    problems.push(`${file}: must hold a JSON object`);
  } catch (error) {
    problems.push(`${file}: invalid JSON (${(error as Error).message})`);
  }
  return {};
}

function coerce(
  raw: string | boolean,
  type: 'string' | 'number' | 'boolean',
  name: string,
  problems: string[],
): unknown {
  if (type === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    problems.push(`${name}: expected true or false, got "${raw}"`);
    return undefined;
  }
  if (typeof raw === 'boolean') {
    problems.push(`${name}: needs a value`);
    return undefined;
  }
  if (type === 'number') {
    const number = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(number)) {
      problems.push(`${name}: expected a number, got "${raw}"`);
      return undefined;
    }
    return number;
  }
  return raw;
}

function setPath(target: Record<string, unknown>, at: string, value: unknown): void {
  if (value === undefined) return;
  const keys = at.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const at = issue.path.join('.') || '(root)';
    if (issue.code === 'unrecognized_keys')
      return `${at}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${at}: ${issue.message}`;
  });
}
