/**
 * @module The one typed configuration schema. The config file, environment variables, CLI flags and (later) VS Code
 * settings all map onto it; every default lives here and nowhere else.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** Where user data goes when nothing says otherwise: `$XDG_DATA_HOME/tokenwise` (or the platform's equivalent). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32')
    return path.join(env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local'), 'tokenwise');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'tokenwise');
  return path.join(env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'tokenwise');
}

/** The config file's default place: `$XDG_CONFIG_HOME/tokenwise/config.json`. */
export function defaultConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32')
    return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'tokenwise', 'config.json');
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'tokenwise', 'config.json');
}

/**
 * A small instruct model that runs on a laptop CPU and is good enough for the easy half of coding-assistant traffic.
 * Downloaded on first use into `local.modelsDir`.
 */
export const DEFAULT_LOCAL_MODEL = 'hf:bartowski/Qwen2.5-1.5B-Instruct-GGUF:Q4_K_M';

const port = z.number().int().min(0).max(65535);

const cloudProvider = z.strictObject({
  /** Wire protocol the upstream speaks. */
  kind: z.enum(['openai', 'anthropic']),
  baseUrl: z.url(),
  /** The key itself (prefer `apiKeyEnv`: keys in files get copied around). */
  apiKey: z.string().min(1).optional(),
  /** Name of the environment variable holding the key. */
  apiKeyEnv: z.string().min(1).optional(),
  /** Models this provider serves; listed by GET /v1/models and matched exactly. */
  models: z.array(z.string().min(1)).default([]),
  /** Regular expression for further model names this provider serves (e.g. `^claude-`). */
  modelPattern: z.string().optional(),
  /** Extra headers sent upstream on every call (e.g. OpenRouter's `HTTP-Referer`). */
  headers: z.record(z.string(), z.string()).default({}),
});

export const configSchema = z.strictObject({
  /** The JSON Schema an editor validates the file against (`schemas/config.schema.json`); the proxy ignores it. */
  $schema: z.string().optional(),
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(8787),
  dataDir: z
    .string()
    .min(1)
    .default(() => defaultDataDir()),
  /** The local token every /v1 call must carry; generated on first run when unset. */
  token: z.string().min(8, 'must be at least 8 characters').optional(),
  /** Whose token this is: the user's identity in team mode (cache scope, usage totals); unset: a hash of the token. */
  tokenOwner: z.string().min(1).max(100).optional(),
  /** Largest request body accepted; larger gets 413. */
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(32 * 1024 * 1024),
  /** Extra Host header names accepted besides loopback names (only useful with a non-loopback `host`). */
  allowedHosts: z.array(z.string()).default([]),
  /** Browser origins allowed to call the proxy (pages on other origins are refused: CSRF / DNS rebinding). */
  allowedOrigins: z.array(z.string()).default([]),
  local: z
    .strictObject({
      /** A GGUF path, an `hf:` URI, or `off` to disable the local tier. */
      model: z.string().min(1).default(DEFAULT_LOCAL_MODEL),
      modelsDir: z
        .string()
        .min(1)
        .default(() => path.join(os.homedir(), '.node-llama-cpp', 'models')),
      /** Download a missing `hf:` model on start; false keeps the proxy fully offline. */
      download: z.boolean().default(true),
      gpu: z.enum(['auto', 'cuda', 'vulkan', 'metal', 'cpu']).default('auto'),
      /** CPU threads for generation; 0 lets llama.cpp choose. */
      threads: z.number().int().min(0).default(0),
      /** Context window of each parallel sequence, in tokens; unset: 8192, or the model's training context if smaller. */
      contextSize: z.number().int().min(64).optional(),
      /** Requests generated at once on parallel sequences of the one loaded model (batched decode). */
      parallel: z.number().int().min(1).max(64).default(4),
      /** Requests allowed to wait for a free sequence; beyond that callers get 503 with retry-after. */
      queueSize: z.number().int().min(0).default(32),
      /** Name the local model is reported under. */
      name: z.string().min(1).default('local'),
      /**
       * A folder whose `node_modules/@node-llama-cpp/*` holds extra prebuilt llama.cpp backends (CUDA, Vulkan) not
       * installed beside node-llama-cpp: the extension downloads them there ("Enable GPU acceleration").
       */
      backendsDir: z.string().min(1).optional(),
    })
    .prefault({}),
  providers: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'provider names are lowercase words'), cloudProvider)
    .prefault({}),
  /** The cloud model `auto` falls back to when the local tier cannot answer. */
  defaultCloudModel: z.string().min(1).default('gpt-4o-mini'),
  cache: z
    .strictObject({
      exact: z
        .strictObject({
          enabled: z.boolean().default(true),
          /** `deterministic`: only requests with temperature 0 or a seed (others may rightly differ each time). */
          mode: z.enum(['deterministic', 'always']).default('deterministic'),
          /** Memory for cached answers; the data file keeps them all until they expire. */
          maxBytes: z
            .number()
            .int()
            .positive()
            .default(128 * 1024 * 1024),
          ttlSeconds: z
            .number()
            .int()
            .positive()
            .default(7 * 86_400),
        })
        .prefault({}),
      semantic: z
        .strictObject({
          /** Answer a near-duplicate question in an identical context from the cache (same eligibility as exact). */
          enabled: z.boolean().default(true),
          /** `lexical` (model-free), `local` (the default GGUF embedding model, downloaded on first use), or a GGUF path or hf: URI. */
          embedder: z.string().min(1).default('lexical'),
          /** Similarity a hit must reach; unset: the embedder's calibrated threshold. */
          threshold: z.number().min(0).max(1).optional(),
          /** Entries in one context from which search uses sketches (approximate) instead of scanning every vector. */
          approximateFrom: z.number().int().positive().default(5000),
          /** Questions remembered in all (least recently used go first). */
          maxEntries: z.number().int().positive().default(50_000),
          /**
           * Confirm a candidate hit with the local model's yes/no judgement before serving it: `auto` when the local
           * model is loaded, `on` always (no loaded model: no semantic hits), `off` never. A GGUF embedder without a
           * calibrated `threshold` always requires it.
           */
          verifier: z.enum(['auto', 'on', 'off']).default('auto'),
          /** The yes-probability a verified hit needs. */
          verifierThreshold: z.number().min(0).max(1).default(0.8),
          /** A judgement slower than this is a miss. */
          verifierTimeoutMs: z.number().int().positive().max(60_000).default(2000),
          /** Clients, as the ledger names them, whose questions never get or give a semantic hit. */
          offForClients: z.array(z.string().min(1)).default([]),
        })
        .prefault({}),
      /** Identical requests in flight share one upstream call (same eligibility as the exact cache). */
      coalesce: z.boolean().default(true),
      /** Team mode: `user` shares answers only between proxies of the same token owner; `team` shares them with everyone on the Redis. */
      scope: z.enum(['user', 'team']).default('user'),
      /** Anthropic: add cache_control breakpoints to long stable prefixes when the client placed none. */
      promptCaching: z.boolean().default(true),
    })
    .prefault({}),
  context: z
    .strictObject({
      /** Trim requests to fit the tier they go to (the local tier always; cloud only when it saves enough). */
      enabled: z.boolean().default(true),
      /** A cloud request is trimmed only when that saves at least this share of its input tokens. */
      minCloudSaving: z.number().min(0).max(1).default(0.1),
      /** A cap on input tokens sent to a paid model; unset: the model's window alone. */
      maxInputTokens: z.number().int().positive().optional(),
      normalize: z.boolean().default(true),
      dedupe: z.boolean().default(true),
      truncate: z.boolean().default(true),
      select: z.boolean().default(true),
      window: z.boolean().default(true),
      /** Replace old turns by a summary written by the local model (instead of dropping them). */
      summary: z.boolean().default(false),
    })
    .prefault({}),
  router: z
    .strictObject({
      /** Conditions on a request's signals → a tier, checked in order before the classifier (first match wins). */
      rules: z
        .array(
          z.strictObject({
            name: z.string().optional(),
            when: z.record(
              z.string(),
              z.union([
                z.number(),
                z.boolean(),
                z.string(),
                z.strictObject({ min: z.number().optional(), max: z.number().optional() }),
              ]),
            ),
            route: z.enum(['local', 'cloud']),
          }),
        )
        .default([{ name: 'the local model cannot see images', when: { images: { min: 1 } }, route: 'cloud' }]),
      /** Let the learned classifier send easy `auto` prompts to the local model. */
      classifier: z.boolean().default(true),
      /** Where the classifier's threshold sits: keep this share of all-cloud quality… */
      qualityFloor: z.number().min(0).max(1).optional(),
      /** …or send this share of requests to the cloud. */
      cloudShare: z.number().min(0).max(1).optional(),
      /** A cloud model the client named may be answered locally when the prompt is easy. */
      allowDowngrade: z.boolean().default(false),
      /**
       * Per calling tool (`claude-code`, `codex`, `qwen-code`, `continue`, `opencode`, … or `*` for any): a requested
       * model → the model that answers instead, e.g. `{ "claude-code": { "claude-haiku-4-5": "local" } }`.
       */
      clientModels: z.record(z.string().min(1), z.record(z.string().min(1), z.string().min(1))).default({}),
      /** Agents' side calls (title and summary requests without tools): `local` answers them locally; `asked` keeps the model named. */
      sideCalls: z.enum(['asked', 'local']).default('asked'),
      /**
       * The confidence gate: a local answer the router chose is held until complete and escalated to the cloud when
       * the model's mean probability of its own tokens is below this. `audit` (default): the floor the quality audit
       * fitted for the local model in use, no gate until it has enough scored audits; `off`: no gate.
       */
      confidenceFloor: z.union([z.number().min(0).max(1), z.enum(['audit', 'off'])]).default('audit'),
      /** Models tried in order when the chosen one fails before answering (rate limit, 5xx, timeout, over context). */
      fallback: z.array(z.string().min(1)).default([]),
      /** After every cloud option failed, answer from the local model rather than not at all. */
      lastResortLocal: z.boolean().default(true),
      /** Retries of the same provider for a rate limit or a transient failure. */
      retries: z.number().int().min(0).max(10).default(2),
      /** A retry-after longer than this moves on to the next option instead of waiting. */
      maxRetryAfterSeconds: z.number().min(0).default(10),
      backoffMs: z.number().int().min(0).default(250),
    })
    .prefault({}),
  budget: z
    .strictObject({
      /** Dollars of cloud calls per day (local time); unset: no limit. */
      dailyUsd: z.number().positive().optional(),
      /** Dollars of cloud calls per calendar month; unset: no limit. */
      monthlyUsd: z.number().positive().optional(),
      /** Over budget: answer from the local model, or refuse with 429. */
      whenOver: z.enum(['local', 'reject']).default('reject'),
      /** The per-session breaker: one agent conversation past any of these gets 429 (a runaway tool loop stops). */
      session: z
        .strictObject({
          enabled: z.boolean().default(true),
          /** Requests one session may send within `windowSeconds`. */
          maxRequests: z.number().int().positive().default(300),
          windowSeconds: z.number().int().positive().default(600),
          /** Dollars of cloud calls one session may spend. */
          maxUsd: z.number().positive().default(25),
          /** The same tool call (same arguments) this many times in a row ends the session. */
          maxRepeatedToolCalls: z.number().int().min(2).default(20),
        })
        .prefault({}),
    })
    .prefault({}),
  usage: z
    .strictObject({
      /** What `auto` and `local` requests are measured against (a premium cloud model). */
      premiumModel: z.string().min(1).default('gpt-4o'),
      /** One fixed baseline for every request; unset: the model the client named. */
      baselineModel: z.string().min(1).optional(),
      /** Dollars per hour of local generation; 0 treats the local GPU as already paid for. */
      localCostPerHour: z.number().min(0).default(0),
      /** Prices for models genai-prices does not know (private deployments), in $ per million tokens. */
      priceOverrides: z
        .record(
          z.string(),
          z.strictObject({
            inputMtok: z.number().min(0),
            outputMtok: z.number().min(0),
            cacheReadMtok: z.number().min(0).optional(),
            cacheWriteMtok: z.number().min(0).optional(),
          }),
        )
        .default({}),
      /** Longest time a finished request waits in memory before it is committed to the ledger. */
      flushIntervalMs: z.number().int().min(10).max(1000).default(500),
      /** Records older than this are deleted; 0 keeps everything. */
      retentionDays: z.number().int().min(0).default(90),
    })
    .prefault({}),
  audit: z
    .strictObject({
      /**
       * Share of the requests the router decides that are audited: after the answer, the other tier's answer is
       * obtained in the background and judged, and the router's operating point is calibrated on the results.
       */
      share: z.number().min(0).max(1).default(0.05),
      /** Dollars per day (local time) the audit may spend on cloud calls (the other tier's answer and the judge). */
      maxUsdPerDay: z.number().min(0).default(0.5),
    })
    .prefault({}),
  record: z
    .strictObject({
      /**
       * Record every request (secrets redacted) as JSONL, one file per agent conversation, for `tokenwise eval replay`;
       * unset: only requests sent with `x-tokenwise-record: on`, into `<dataDir>/recordings`.
       */
      dir: z.string().min(1).optional(),
    })
    .prefault({}),
  /** Team mode: several proxies share the exact cache, coalescing, budgets and usage totals through one Redis. */
  redis: z
    .strictObject({
      /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS); unset: every proxy keeps its own state. */
      url: z
        .string()
        .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
        .optional(),
      /** TLS even for a `redis://` URL. */
      tls: z.boolean().default(false),
      username: z.string().min(1).optional(),
      password: z.string().min(1).optional(),
      /** Prefix of every key and channel: teams sharing one Redis each use their own. */
      keyPrefix: z.string().default('tokenwise:'),
      /** Longest a request ever waits on Redis; past it the proxy answers from local state. */
      timeoutMs: z.number().int().min(1).max(10_000).default(50),
    })
    .prefault({}),
  /** Callers' connections: slow, stalled or idle clients must not hold the proxy's sockets. */
  connections: z
    .strictObject({
      /** Time a caller has to send its request headers. */
      headersTimeoutMs: z.number().int().positive().default(20_000),
      /** Time a caller has to send its whole request, body included (answers may take as long as they need). */
      requestTimeoutMs: z.number().int().positive().default(60_000),
      /** Open connections at once; idle keep-alive ones are closed first when it is near. */
      max: z.number().int().min(16).default(512),
    })
    .prefault({}),
  upstream: z
    .strictObject({
      /** Time allowed for an upstream to start answering. */
      timeoutMs: z.number().int().positive().default(600_000),
      /** Longest silence allowed inside a streamed answer. */
      idleTimeoutMs: z.number().int().positive().default(120_000),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type CloudProviderConfig = z.infer<typeof cloudProvider>;
export type RawConfig = z.input<typeof configSchema>;
