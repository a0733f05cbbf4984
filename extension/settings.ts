/**
 * @module The extension's settings, parsed in one place into typed values with safe defaults (a value of the wrong
 * type is dropped and named, never passed on), and mapped onto the proxy's configuration: environment variables and
 * flags for the child process. Only settings the user actually set are passed, so the proxy's own config file still
 * applies to everything else. No `vscode` import: the glue hands in a reader, and this runs in plain Node tests.
 */
import os from 'node:os';
import path from 'node:path';
import { PROMPT_HINT_SETTING_NAMES } from './prompt-hint-settings.ts';

/** The proxy's default port (`port` in proxy/config/schema.ts); the extension must know where to look. */
export const DEFAULT_PORT = 8787;
/** The proxy's default local model (`DEFAULT_LOCAL_MODEL` in proxy/config/schema.ts; a unit test keeps them equal). */
export const DEFAULT_MODEL = 'hf:bartowski/Qwen2.5-1.5B-Instruct-GGUF:Q4_K_M';

type Parse<T> = (value: unknown) => T | undefined;

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Parse<number> =>
  (v) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : undefined;
const between =
  (min: number, max: number): Parse<number> =>
  (v) =>
    typeof v === 'number' && v >= min && v <= max ? v : undefined;
const text: Parse<string> = (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const dollars: Parse<number> = (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
const bool: Parse<boolean> = (v) => (typeof v === 'boolean' ? v : undefined);
const oneOf =
  <T extends string>(...values: T[]): Parse<T> =>
  (v) =>
    values.includes(v as T) ? (v as T) : undefined;
const httpUrl: Parse<string> = (v) => {
  const s = text(v);
  if (!s) return undefined;
  try {
    return ['http:', 'https:'].includes(new URL(s).protocol) ? s : undefined;
  } catch {
    return undefined;
  }
};

/** A file-system path; `~` is the home directory (the proxy does not expand it). */
const filePath: Parse<string> = (v) => {
  const s = text(v);
  return s && (s === '~' || s.startsWith('~/') || s.startsWith('~\\')) ? path.join(os.homedir(), s.slice(1)) : s;
};
/** A GGUF path (with `~`), an `hf:` URI, or `off`. */
const modelRef: Parse<string> = (v) => {
  const s = text(v);
  return s && (s === 'off' || /^(hf:|huggingface:|https?:\/\/)/i.test(s)) ? s : filePath(s);
};

/** Each setting under `tokenwise.` that reaches the proxy, and how: as data, so the mapping reads as a table. */
const proxySettings = {
  dataDir: { setting: 'dataDir', parse: filePath, env: 'TOKENWISE_DATA_DIR' },
  configFile: { setting: 'configFile', parse: filePath, env: 'TOKENWISE_CONFIG' },
  localModel: { setting: 'localModel', parse: modelRef, env: 'TOKENWISE_LOCAL_MODEL' },
  modelsDir: { setting: 'modelsDir', parse: filePath, env: 'TOKENWISE_MODELS_DIR' },
  downloadModel: { setting: 'downloadModel', parse: bool, flag: 'download' },
  gpu: { setting: 'gpu', parse: oneOf('auto', 'cuda', 'vulkan', 'metal', 'cpu'), env: 'TOKENWISE_GPU' },
  threads: { setting: 'threads', parse: integer(0, 1024), env: 'TOKENWISE_THREADS' },
  parallel: { setting: 'parallel', parse: integer(1, 64), env: 'TOKENWISE_PARALLEL' },
  contextSize: { setting: 'contextSize', parse: integer(64), env: 'TOKENWISE_CONTEXT_SIZE' },
  queueSize: { setting: 'queueSize', parse: integer(0), flag: 'queue-size' },
  defaultCloudModel: { setting: 'defaultCloudModel', parse: text, env: 'TOKENWISE_DEFAULT_CLOUD_MODEL' },
  auditShare: { setting: 'audit.share', parse: between(0, 1), env: 'TOKENWISE_AUDIT_SHARE' },
  auditMaxUsdPerDay: { setting: 'audit.maxUsdPerDay', parse: between(0, 1e6), env: 'TOKENWISE_AUDIT_MAX_USD_PER_DAY' },
  openaiBaseUrl: { setting: 'openai.baseUrl', parse: httpUrl, env: 'OPENAI_BASE_URL' },
  anthropicBaseUrl: { setting: 'anthropic.baseUrl', parse: httpUrl, env: 'ANTHROPIC_BASE_URL' },
  budgetDailyUsd: { setting: 'budget.dailyUsd', parse: dollars, env: 'TOKENWISE_BUDGET_DAILY_USD' },
  budgetMonthlyUsd: { setting: 'budget.monthlyUsd', parse: dollars, env: 'TOKENWISE_BUDGET_MONTHLY_USD' },
} satisfies Record<string, { setting: string; parse: Parse<unknown>; env?: string; flag?: string }>;

type ProxySettingKey = keyof typeof proxySettings;
export type ProxySettings = { [K in ProxySettingKey]?: NonNullable<ReturnType<(typeof proxySettings)[K]['parse']>> };

export interface Settings {
  /** Start (or attach to) the proxy when VS Code starts. */
  autoStart: boolean;
  /** Show the cost in the status bar. */
  statusBar: boolean;
  port: number;
  proxy: ProxySettings;
}

/** Every setting's name under `tokenwise.`, for the change listener and the package.json check. */
export const SETTING_NAMES = [
  'autoStart',
  'statusBar.enabled',
  'port',
  ...Object.values(proxySettings).map((s) => s.setting),
  ...PROMPT_HINT_SETTING_NAMES,
];

/**
 * Reads the settings. `read(name)` returns what the user set for `tokenwise.<name>`, or undefined when they set
 * nothing (or left the default), so the proxy's own config file decides.
 */
export function parseSettings(read: (name: string) => unknown): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const get = <T>(name: string, parse: Parse<T>): T | undefined => {
    const raw = read(name);
    if (raw === undefined || raw === null || raw === '') return undefined;
    const value = parse(raw);
    if (value === undefined) problems.push(`tokenwise.${name}: ignoring ${JSON.stringify(raw)}`);
    return value;
  };
  const proxy: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(proxySettings)) {
    const value = get(spec.setting, spec.parse as Parse<unknown>);
    if (value !== undefined) proxy[key] = value;
  }
  return {
    settings: {
      autoStart: get('autoStart', bool) ?? true,
      statusBar: get('statusBar.enabled', bool) ?? true,
      port: get('port', integer(0, 65535)) ?? DEFAULT_PORT,
      proxy: proxy as ProxySettings,
    },
    problems,
  };
}

/** How the child process is started: environment additions and CLI flags after `serve`. */
export interface Launch {
  env: Record<string, string>;
  args: string[];
}

/** The proxy's launch for these settings; `secrets` are environment variables holding cloud keys. */
export function proxyLaunch(settings: Settings, secrets: Record<string, string> = {}): Launch {
  const env: Record<string, string> = { TOKENWISE_PORT: String(settings.port) };
  const args: string[] = [];
  for (const [key, spec] of Object.entries(proxySettings) as [
    ProxySettingKey,
    (typeof proxySettings)[ProxySettingKey],
  ][]) {
    const value = settings.proxy[key];
    if (value === undefined) continue;
    if ('env' in spec) env[spec.env] = String(value);
    else if (typeof value === 'boolean') args.push(value ? `--${spec.flag}` : `--no-${spec.flag}`);
    else args.push(`--${spec.flag}`, String(value));
  }
  return { env: { ...env, ...secrets }, args };
}

/** Whether two launches start the same proxy (a settings change that leaves it equal needs no restart). */
export function sameLaunch(a: Launch, b: Launch): boolean {
  const key = (l: Launch) => JSON.stringify([Object.entries(l.env).sort(([x], [y]) => x.localeCompare(y)), l.args]);
  return key(a) === key(b);
}
