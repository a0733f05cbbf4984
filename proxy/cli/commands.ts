/**
 * @module Every `tokenwise` command: its flags (the one source for parsing and for `--help`) and what it runs.
 */
import { GROUP_BYS } from '../usage/index.ts';
import type { OptionSpec, OptionValues } from './args.ts';

/** A command's parsed arguments. */
export interface CommandArgs {
  values: OptionValues;
  positionals: string[];
}

export interface Command {
  name: string;
  summary: string;
  /** Positional arguments as the help shows them (`<id>`); none allowed when absent. */
  positionals?: string;
  options: Record<string, OptionSpec>;
  /** Runs the command; a command with only subcommands has none. */
  run?: (args: CommandArgs) => Promise<void>;
  subcommands?: Command[];
}

const config: Record<string, OptionSpec> = {
  config: {
    type: 'string',
    value: 'FILE',
    help: 'the config file (default: $TOKENWISE_CONFIG, else ~/.config/tokenwise/config.json)',
  },
};
const json: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'print one JSON object instead of a table' },
};

/** Where the running proxy and the data file are: commands ask the proxy first, then read the file. */
const connection: Record<string, OptionSpec> = {
  ...config,
  port: {
    type: 'string',
    value: 'N',
    help: "the proxy's port: where serve listens, where other commands look for it (default 8787)",
    check: 'integer',
  },
  host: { type: 'string', value: 'H', help: "the proxy's host (default 127.0.0.1)" },
  'data-dir': { type: 'string', value: 'DIR', help: 'the data folder holding tokenwise.db' },
  token: { type: 'string', value: 'T', help: 'the local token callers send (default: the one in the data folder)' },
};

const localModel: Record<string, OptionSpec> = {
  'local-model': { type: 'string', value: 'PATH|hf:URI|off', help: 'the local GGUF model, a Hugging Face URI, or off' },
  'models-dir': { type: 'string', value: 'DIR', help: 'where downloaded models are kept' },
  threads: { type: 'string', value: 'N', help: 'CPU threads for the local model', check: 'integer' },
  gpu: {
    type: 'string',
    value: 'auto|cuda|vulkan|metal|cpu',
    help: "the local model's backend",
    check: ['auto', 'cuda', 'vulkan', 'metal', 'cpu'],
  },
  parallel: { type: 'string', value: 'N', help: 'requests the local model serves at once', check: 'integer' },
  'context-size': { type: 'string', value: 'N', help: "the local model's context window in tokens", check: 'integer' },
};

const data: Record<string, OptionSpec> = {
  data: {
    type: 'string',
    value: 'FILE.jsonl',
    help: 'evaluation data (repeat it, or use a * pattern, for several files)',
    multiple: true,
  },
};

const lazy =
  <K extends string>(load: () => Promise<Record<K, (args: CommandArgs) => Promise<void>>>, name: K) =>
  async (args: CommandArgs) =>
    (await load())[name](args);
const runners = () => import('./run.ts');
const evalRunner = (lever: string) => async (args: CommandArgs) => (await runners()).runEval(lever, args);

/** The command table: `tokenwise --help` lists it and the tests give every entry a `--help` run. */
export const COMMANDS: Command[] = [
  {
    name: 'serve',
    summary: 'run the proxy',
    options: {
      ...connection,
      ...localModel,
      'queue-size': {
        type: 'string',
        value: 'N',
        help: 'requests waiting for the local model before it answers 429',
        check: 'integer',
      },
      'default-cloud-model': { type: 'string', value: 'NAME', help: 'the cloud model for requests that name none' },
      download: { type: 'boolean', help: 'download the local model when it is missing (the default)' },
      'no-download': { type: 'boolean', help: 'never download the local model' },
    },
    run: lazy(runners, 'runServe'),
  },
  {
    name: 'usage',
    summary: 'tokens, dollars and savings from the ledger',
    options: {
      since: {
        type: 'string',
        value: 'T',
        help: 'from this time: 7d, 24h, 30m, an ISO date or epoch ms',
        check: 'time',
      },
      until: { type: 'string', value: 'T', help: 'up to this time (same forms as --since)', check: 'time' },
      'group-by': {
        type: 'string',
        value: GROUP_BYS.join('|'),
        help: 'one row per group, then the total',
        check: GROUP_BYS,
      },
      ...json,
      csv: { type: 'boolean', help: 'print CSV with a header row' },
      ...connection,
    },
    run: lazy(runners, 'runUsage'),
  },
  {
    name: 'cache',
    summary: 'what the answer cache holds; empty it',
    options: {},
    subcommands: [
      {
        name: 'stats',
        summary: 'entries and bytes in the answer cache',
        options: { ...json, ...connection },
        run: lazy(runners, 'runCacheStats'),
      },
      {
        name: 'clear',
        summary: 'empty the answer cache',
        options: { ...json, ...connection },
        run: lazy(runners, 'runCacheClear'),
      },
    ],
  },
  {
    name: 'audit',
    summary: 'what the quality audit found: local-as-good rate, per bucket, spend, the operating point',
    options: { ...json, ...connection },
    run: lazy(runners, 'runAudit'),
    subcommands: [
      {
        name: 'show',
        summary: 'one audited request with both answers',
        positionals: '<id>',
        options: { ...json, ...connection },
        run: lazy(runners, 'runAuditShow'),
      },
    ],
  },
  {
    name: 'eval',
    summary: 'measure a lever on evaluation data (shared/data/README.md)',
    options: {},
    subcommands: [
      {
        name: 'context',
        summary: 'context trimming: token reduction, relevant recall, answer retention',
        positionals: '[FILE.jsonl…]',
        options: {
          ...data,
          ...json,
          sweep: {
            type: 'boolean',
            help: 'also sweep the selection knobs: the (token reduction, answer retention) curve',
          },
          budget: { type: 'string', value: 'N', help: 'input-token budget for chats and traces', check: 'integer' },
        },
        run: evalRunner('context'),
      },
      {
        name: 'cache',
        summary: 'the semantic cache: precision and recall at the threshold',
        positionals: '[FILE.jsonl…]',
        options: {
          ...data,
          ...json,
          embedder: { type: 'string', value: 'lexical|GGUF', help: 'the embedder (default lexical)' },
          threshold: { type: 'string', value: 'T', help: 'the similarity threshold to score', check: 'number' },
          threads: { type: 'string', value: 'N', help: 'CPU threads for a GGUF embedder', check: 'integer' },
          verifier: { type: 'string', value: 'GGUF', help: 'a verifier model that confirms each hit' },
          'verifier-threshold': { type: 'string', value: 'Y', help: "the verifier's threshold", check: 'number' },
          calibrate: { type: 'boolean', help: 'find the lowest threshold that keeps precision' },
          save: { type: 'boolean', help: 'with --calibrate: write the threshold to the config file' },
          ...config,
        },
        run: evalRunner('cache'),
      },
      {
        name: 'router',
        summary: 'the router: cost and quality by cross-validation',
        positionals: '[FILE.jsonl…]',
        options: {
          ...data,
          ...json,
          folds: { type: 'string', value: 'N', help: 'cross-validation folds (default 5)', check: 'integer' },
          weights: { type: 'string', value: 'shipped|FILE', help: 'score these weights instead of training' },
          'cloud-share': {
            type: 'string',
            value: 'S',
            help: 'the share of requests sent to the cloud',
            check: 'number',
          },
          'quality-floor': {
            type: 'string',
            value: 'Q',
            help: 'the quality the operating point must keep',
            check: 'number',
          },
        },
        run: evalRunner('router'),
      },
      {
        name: 'replay',
        summary: 'replay recorded sessions through the whole proxy: baseline vs actual $, by lever',
        positionals: '[FILE.jsonl|DIR…]',
        options: {
          ...data,
          ...json,
          model: {
            type: 'string',
            value: 'NAME',
            help: 'the model the sessions are billed on (default claude-sonnet-4-5)',
          },
          ...config,
        },
        run: evalRunner('replay'),
      },
      {
        name: 'audit',
        summary: 'the quality audit: does it catch a degraded local model, and at what spend',
        positionals: '[FILE.jsonl…]',
        options: {
          ...data,
          ...json,
          degrade: { type: 'string', value: 'F', help: 'the share of local answers to degrade', check: 'number' },
          sample: { type: 'string', value: 'R', help: 'the share of requests audited', check: 'number' },
          floor: {
            type: 'string',
            value: 'Q',
            help: 'the local-as-good rate that triggers a fallback',
            check: 'number',
          },
          requests: {
            type: 'string',
            value: 'N',
            help: 'requests to stream (default: the set once; past its size, again in fresh seeded orders)',
            check: 'number',
          },
          seed: { type: 'string', value: 'S[,S…]', help: 'random seeds, comma-separated' },
        },
        run: evalRunner('audit'),
      },
    ],
  },
  {
    name: 'lint-prompts',
    summary:
      'tokens and $/call of every prompt in the code, with findings; exit 1 when a prompt is over the token budget',
    positionals: '<files, folders or globs…>',
    options: {
      ...json,
      'max-tokens': {
        type: 'string',
        value: 'N',
        help: 'the token budget per prompt (over it is an error)',
        check: 'integer',
      },
      model: { type: 'string', value: 'NAME', help: 'the model for calls that name none (default: defaultCloudModel)' },
      ...config,
    },
    run: lazy(runners, 'runLintPrompts'),
  },
  {
    name: 'doctor',
    summary: "the local model's backend, device, VRAM, layers on the GPU, context, and measured tokens/s",
    options: { ...json, ...connection, ...localModel },
    run: lazy(runners, 'runDoctor'),
  },
  {
    name: 'token',
    summary: 'print the local token callers must send',
    options: { ...config, 'data-dir': connection['data-dir']!, token: connection.token! },
    run: lazy(runners, 'runToken'),
  },
];
