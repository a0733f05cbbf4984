/**
 * @module The data file's schema (ledger and cache), one migration per version (SQLite `user_version`). Never edit a shipped migration:
 * append a new one.
 */
export const migrations: string[] = [
  `CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,
    client TEXT NOT NULL,
    api TEXT NOT NULL,
    model_asked TEXT NOT NULL,
    model_used TEXT NOT NULL,
    provider TEXT NOT NULL,
    route TEXT NOT NULL,
    reason TEXT NOT NULL,
    cache TEXT NOT NULL,
    stream INTEGER NOT NULL,
    status INTEGER NOT NULL,
    error TEXT,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cached_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    tokens_estimated INTEGER NOT NULL,
    original_input_tokens INTEGER NOT NULL,
    cost_usd REAL,
    baseline_model TEXT NOT NULL,
    baseline_cost_usd REAL,
    saved_cache REAL NOT NULL,
    saved_coalescing REAL NOT NULL,
    saved_routing REAL NOT NULL,
    saved_trimming REAL NOT NULL,
    saved_prompt_cache REAL NOT NULL,
    latency_ms REAL NOT NULL,
    first_chunk_ms REAL,
    overhead_ms REAL NOT NULL
  );
  CREATE INDEX requests_time ON requests (time);`,
  `CREATE TABLE cache_entries (
    key TEXT PRIMARY KEY,
    created INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    value TEXT NOT NULL
  );
  CREATE INDEX cache_entries_expires ON cache_entries (expires);`,
  // Tokens before / after each trimming strategy, as JSON, for requests that were trimmed.
  `ALTER TABLE requests ADD COLUMN trim TEXT;`,
  // The question and context of a cached answer, so the semantic index can be rebuilt after a restart.
  `ALTER TABLE cache_entries ADD COLUMN semantic_context TEXT;
  ALTER TABLE cache_entries ADD COLUMN question TEXT;`,
  // The quality audit: each audited request's two answers, the judgement and its cost; and per local model (a
  // hash of its GGUF file) each calibration group's operating point and when it last moved.
  `CREATE TABLE audits (
    id INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,
    model_key TEXT NOT NULL,
    bucket TEXT NOT NULL,
    calibration_group TEXT NOT NULL,
    gain REAL NOT NULL,
    route TEXT NOT NULL,
    signals TEXT NOT NULL,
    question TEXT NOT NULL,
    local_answer TEXT,
    cloud_answer TEXT,
    method TEXT,
    verdict TEXT,
    local_score REAL,
    cloud_score REAL,
    cost_usd REAL NOT NULL,
    error TEXT
  );
  CREATE INDEX audits_model ON audits (model_key, time);
  CREATE TABLE audit_calibration (
    model_key TEXT NOT NULL,
    calibration_group TEXT NOT NULL,
    threshold REAL NOT NULL,
    quality_low REAL NOT NULL,
    samples INTEGER NOT NULL,
    moved_at INTEGER NOT NULL,
    PRIMARY KEY (model_key, calibration_group)
  );`,
  // Which agent conversation each request belongs to, for the panel's per-conversation cost.
  `ALTER TABLE requests ADD COLUMN conversation TEXT;
  CREATE INDEX requests_conversation ON requests (conversation, client);`,
  // The local answer's confidence (mean probability of its own tokens) where the audit scored it: the gate's floor is
  // fitted from these.
  `ALTER TABLE audits ADD COLUMN local_confidence REAL;`,
];
