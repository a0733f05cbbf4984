/**
 * @module The `tokenwise` command line: `serve` runs the proxy; `doctor` diagnoses the local model; `token` prints the local token.
 */
import { ConfigError, loadConfig } from '../config/load.ts';
import { resolveToken } from '../config/token.ts';
import { startProxy, VERSION } from '../server.ts';
import { CliError, parseArgs, type ParsedArgs } from './args.ts';
import { auditCommand } from './audit.ts';
import { cacheCommand } from './cache.ts';
import { diagnose, formatDoctor } from './doctor.ts';
import { evalCommand } from './eval.ts';
import { createProgressBar } from './progress.ts';
import { usageCommand } from './usage.ts';

const usage = `tokenwise ${VERSION} — a local proxy that cuts what you pay for LLM calls

Usage:
  tokenwise serve [--port N] [--host H] [--local-model PATH|hf:URI|off] [--threads N] [--gpu auto|cuda|vulkan|metal|cpu]
                  [--parallel N] [--context-size N] [--queue-size N] [--data-dir DIR] [--token T] [--no-download]
                  [--config FILE]
  tokenwise usage [--since 7d] [--until T] [--group-by day|hour|model|route|client|provider] [--json|--csv]
                           tokens, dollars and savings from the ledger
  tokenwise cache stats|clear
                           what the answer cache holds; empty it
  tokenwise audit [--json] | tokenwise audit show <id>
                           what the quality audit found: local-as-good rate, per bucket, spend,
                           the operating point; one audited request with both answers
  tokenwise eval context --data FILE.jsonl [--json] [--sweep]
  tokenwise eval cache --data FILE.jsonl [--embedder lexical|GGUF] [--threshold T] [--json]
                      [--verifier GGUF [--verifier-threshold Y]] [--calibrate [--save [--config FILE]]]
  tokenwise eval router --data FILE.jsonl [--folds 5] [--weights shipped|FILE] [--json]
  tokenwise eval audit --data FILE.jsonl [--degrade F] [--sample R] [--floor Q] [--seed S[,S…]] [--json]
                           measure a lever on evaluation data
  tokenwise eval replay --data FILE.jsonl|DIR [--model claude-sonnet-4-5|gpt-4.1|…] [--config FILE] [--json]
                           replay recorded sessions through the whole proxy: baseline vs actual $, by lever
  tokenwise lint-prompts <files, folders or globs> [--json] [--max-tokens N] [--model NAME] [--config FILE]
                           tokens and $/call of every prompt in the code, with findings;
                           exits 1 when a prompt is over the token budget
  tokenwise doctor [--json]
                           the local model's backend (CPU, CUDA, Vulkan, Metal), device, VRAM, layers on the
                           GPU, context size, and measured prompt and generation tokens/s
  tokenwise token          print the local token callers must send
  tokenwise --version

Environment: TOKENWISE_PORT, TOKENWISE_HOST, TOKENWISE_DATA_DIR, TOKENWISE_LOCAL_MODEL, TOKENWISE_THREADS,
TOKENWISE_GPU, TOKENWISE_TOKEN, TOKENWISE_CONFIG, OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL.
`;

const log = (line: string) => process.stderr.write(`[tokenwise] ${line}\n`);

async function serve(args: ParsedArgs): Promise<void> {
  const config = loadConfig({ flags: args.flags });
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

/** Every `--data X` (the flag may repeat; the parser keeps only the last). */
function dataFlags(argv: string[]): string[] {
  return argv.flatMap((arg, i) => (arg === '--data' && argv[i + 1] ? [argv[i + 1]!] : arg.startsWith('--data=') ? [arg.slice(7)] : []));
}

function pick(flags: Record<string, string | boolean>, names: string[]): Record<string, string | boolean> {
  return Object.fromEntries(Object.entries(flags).filter(([name]) => names.includes(name)));
}

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args.flags.version) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  switch (args.command) {
    case 'serve':
      return serve(args);
    case 'usage': {
      const config = loadConfig({ flags: pick(args.flags, ['config', 'port', 'host', 'data-dir', 'token']) });
      const format = args.flags.json ? 'json' : args.flags.csv ? 'csv' : 'table';
      process.stdout.write(await usageCommand(config, { since: str(args.flags.since), until: str(args.flags.until), groupBy: str(args.flags['group-by']), format }));
      return;
    }
    case 'cache': {
      const config = loadConfig({ flags: pick(args.flags, ['config', 'port', 'host', 'data-dir', 'token']) });
      process.stdout.write(await cacheCommand(config, args.positionals[0]));
      return;
    }
    case 'audit': {
      const config = loadConfig({ flags: pick(args.flags, ['config', 'port', 'host', 'data-dir', 'token']) });
      process.stdout.write(await auditCommand(config, { action: args.positionals[0], id: args.positionals[1], json: args.flags.json === true }));
      return;
    }
    case 'eval':
      process.stdout.write(await evalCommand({ lever: args.positionals[0], data: args.positionals.slice(1).concat(dataFlags(argv)), flags: args.flags }));
      return;
    case 'lint-prompts': {
      const config = loadConfig({ flags: pick(args.flags, ['config']) });
      const maxTokens = args.flags['max-tokens'] === undefined ? undefined : Number(args.flags['max-tokens']);
      const pricing = { localCostPerHour: config.usage.localCostPerHour, priceOverrides: config.usage.priceOverrides };
      // Loaded here, so a serving proxy never holds the prompt analysis (it goes into its own chunk).
      const { lintPromptsCommand } = await import('./lint-prompts.ts');
      const { output, exitCode } = await lintPromptsCommand(args.positionals, { json: args.flags.json === true, maxTokens, model: str(args.flags.model) ?? config.defaultCloudModel, pricing });
      process.stdout.write(output);
      process.exitCode = exitCode;
      return;
    }
    case 'doctor': {
      const config = loadConfig({ flags: pick(args.flags, ['config', 'port', 'host', 'data-dir', 'token', 'local-model', 'models-dir', 'threads', 'gpu', 'parallel', 'context-size']) });
      const diagnosis = await diagnose(config);
      process.stdout.write(args.flags.json ? `${JSON.stringify(diagnosis.report, null, 2)}\n` : formatDoctor(diagnosis));
      return;
    }
    case 'token': {
      const config = loadConfig({ flags: args.flags });
      process.stdout.write(`${resolveToken(config.token, config.dataDir)}\n`);
      return;
    }
    case undefined:
    case 'help':
      process.stdout.write(usage);
      return;
    default:
      process.stderr.write(`unknown command "${args.command}"\n\n${usage}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof CliError) process.stderr.write(`${error.message}\n`);
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') process.stderr.write(`port already in use: ${(error as Error).message}\n`);
  else process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
