/**
 * @module What each command runs, given its strictly parsed arguments (the table in commands.ts names them).
 */
import { loadConfig } from '../config/load.ts';
import { resolveToken } from '../config/token.ts';
import { startProxy, VERSION } from '../server.ts';
import { configFlags, UsageError } from './args.ts';
import { auditCommand } from './audit.ts';
import { cacheCommand } from './cache.ts';
import type { CommandArgs } from './commands.ts';
import { diagnose, formatDoctor } from './doctor.ts';
import { evalCommand } from './eval.ts';
import { createProgressBar } from './progress.ts';
import { usageCommand } from './usage.ts';

const log = (line: string) => process.stderr.write(`[tokenwise] ${line}\n`);

const CONNECTION = ['config', 'port', 'host', 'data-dir', 'token'];
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

export async function runServe({ values }: CommandArgs): Promise<void> {
  const config = loadConfig({ flags: configFlags(values) });
  const bar = createProgressBar(`downloading ${config.local.model}`);
  const proxy = await startProxy(config, {
    log,
    onDownloadProgress: (p) => bar.update(p.downloadedBytes, p.totalBytes),
    onStateChange: (health) => {
      if (health.state === 'ready') log(`local model ready: ${proxy.local?.health().model ?? ''}`);
      if (health.state === 'unavailable') log(`local tier unavailable: ${health.detail}`);
    },
  });
  const configured = [...proxy.catalog.cloud].filter(([, e]) => e.configured).map(([name]) => name);
  process.stdout.write(
    `Tokenwise ${VERSION} listening on ${proxy.url}\n` +
      `  OpenAI base URL:    ${proxy.url}/v1\n` +
      `  Anthropic base URL: ${proxy.url}\n` +
      `  token:              ${proxy.token}\n` +
      `  local model:        ${config.local.model === 'off' ? 'off' : config.local.model}\n` +
      `  cloud providers:    ${configured.length ? configured.join(', ') : 'none (set OPENAI_API_KEY or ANTHROPIC_API_KEY)'}\n`,
  );
  const stop = async (signal: string) => {
    log(`${signal}: shutting down`);
    await proxy.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

export async function runUsage({ values }: CommandArgs): Promise<void> {
  if (values.json && values.csv) throw new UsageError('tokenwise usage: --json and --csv exclude each other');
  const config = loadConfig({ flags: configFlags(values, CONNECTION) });
  const format = values.json ? 'json' : values.csv ? 'csv' : 'table';
  process.stdout.write(
    await usageCommand(config, {
      since: str(values.since),
      until: str(values.until),
      groupBy: str(values['group-by']),
      format,
    }),
  );
}

export async function runCacheStats({ values }: CommandArgs): Promise<void> {
  process.stdout.write(
    await cacheCommand(loadConfig({ flags: configFlags(values, CONNECTION) }), 'stats', values.json === true),
  );
}

export async function runCacheClear({ values }: CommandArgs): Promise<void> {
  process.stdout.write(
    await cacheCommand(loadConfig({ flags: configFlags(values, CONNECTION) }), 'clear', values.json === true),
  );
}

export async function runAudit({ values, positionals }: CommandArgs): Promise<void> {
  if (positionals.length)
    throw new UsageError(
      `tokenwise audit: unexpected argument "${positionals[0]}" (did you mean tokenwise audit show <id>?)`,
    );
  process.stdout.write(
    await auditCommand(loadConfig({ flags: configFlags(values, CONNECTION) }), {
      action: undefined,
      id: undefined,
      json: values.json === true,
    }),
  );
}

export async function runAuditShow({ values, positionals }: CommandArgs): Promise<void> {
  if (positionals.length !== 1)
    throw new UsageError('usage: tokenwise audit show <id>  (the ids are listed by `tokenwise audit`)');
  process.stdout.write(
    await auditCommand(loadConfig({ flags: configFlags(values, CONNECTION) }), {
      action: 'show',
      id: positionals[0],
      json: values.json === true,
    }),
  );
}

export async function runEval(lever: string, { values, positionals }: CommandArgs): Promise<void> {
  const data = [...positionals, ...((values.data as string[] | undefined) ?? [])];
  process.stdout.write(await evalCommand({ lever, data, flags: configFlags(values) }));
}

export async function runLintPrompts({ values, positionals }: CommandArgs): Promise<void> {
  const config = loadConfig({ flags: configFlags(values, ['config']) });
  const maxTokens = values['max-tokens'] === undefined ? undefined : Number(values['max-tokens']);
  const pricing = { localCostPerHour: config.usage.localCostPerHour, priceOverrides: config.usage.priceOverrides };
  // Loaded here, so a serving proxy never holds the prompt analysis (it goes into its own chunk).
  const { lintPromptsCommand } = await import('./lint-prompts.ts');
  const { output, exitCode } = await lintPromptsCommand(positionals, {
    json: values.json === true,
    maxTokens,
    model: str(values.model) ?? config.defaultCloudModel,
    pricing,
  });
  process.stdout.write(output);
  process.exitCode = exitCode;
}

export async function runDoctor({ values }: CommandArgs): Promise<void> {
  // --json shapes the output; every other flag configures the proxy the doctor examines.
  const { json: _json, ...settings } = values;
  const diagnosis = await diagnose(loadConfig({ flags: configFlags(settings) }));
  process.stdout.write(values.json ? `${JSON.stringify(diagnosis.report, null, 2)}\n` : formatDoctor(diagnosis));
}

export async function runToken({ values }: CommandArgs): Promise<void> {
  const config = loadConfig({ flags: configFlags(values) });
  process.stdout.write(`${resolveToken(config.token, config.dataDir)}\n`);
}
