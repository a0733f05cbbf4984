// Model downloads for the local tier, end to end: the real proxy resolves an `hf:` URI with node-llama-cpp's own
// downloader against a loopback fake Hugging Face Hub (HF_ENDPOINT), then loads the generated tiny model. Also the
// ways it cannot download (offline, downloads off), a request during a download, and the CLI progress bar.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createProgressBar } from '../../proxy/cli/progress.ts';
import type { DownloadProgress } from '../../proxy/providers/local/runtime.ts';
import type { ProviderHealth } from '../../proxy/providers/provider.ts';
import { startFakeHuggingFace, type FakeHuggingFace } from '../support/fake-hf.ts';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startTestProxy } from '../support/proxy.ts';
import { ensureTinyModel } from '../support/tiny-model.ts';

const URI = 'hf:tokenwise/tiny:Q4_K_M';
const SERVED_FILE = 'tiny-Q4_K_M.gguf';
/** Where node-llama-cpp puts `hf:tokenwise/tiny:Q4_K_M`. */
const LANDED_FILE = 'hf_tokenwise_tiny_tiny.Q4_K_M.gguf';
const LOCAL_ENV = {
  TOKENWISE_LOCAL_MODEL: URI,
  TOKENWISE_THREADS: '1',
  TOKENWISE_GPU: 'cpu',
  TOKENWISE_PARALLEL: '1',
  TOKENWISE_CONTEXT_SIZE: '256',
};

type TestProxy = Awaited<ReturnType<typeof startTestProxy>>;

let modelBytes: Buffer;
let scratch: string;
const savedEnv: Record<string, string | undefined> = {};
// node-llama-cpp reads these from process.env at call time: the endpoint (MODEL_ENDPOINT would win over
// HF_ENDPOINT) and the Hugging Face token (env var, then ~/.cache/huggingface/token unless HF_TOKEN_PATH says else).
const HF_VARS = ['HF_ENDPOINT', 'MODEL_ENDPOINT', 'HF_TOKEN', 'HF_TOKEN_PATH'];

before(async () => {
  modelBytes = fs.readFileSync(await ensureTinyModel());
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-download-'));
  for (const name of HF_VARS) savedEnv[name] = process.env[name];
  delete process.env.MODEL_ENDPOINT;
  delete process.env.HF_TOKEN;
  process.env.HF_TOKEN_PATH = path.join(scratch, 'no-such-hf-token');
});
after(() => {
  for (const name of HF_VARS) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  fs.rmSync(scratch, { recursive: true, force: true });
});

const freshModelsDir = () => fs.mkdtempSync(path.join(scratch, 'models-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function fakeHub(chunkDelayMs = 0): Promise<FakeHuggingFace> {
  return startFakeHuggingFace({
    files: { [`tokenwise/tiny/${SERVED_FILE}`]: modelBytes },
    manifests: { 'tokenwise/tiny:Q4_K_M': SERVED_FILE },
    chunkDelayMs,
  });
}

/** Polls the local provider (bounded: 400 × 25 ms) until `done` holds; fails with the last health seen. */
async function waitFor(
  tw: TestProxy,
  done: (h: ReturnType<NonNullable<TestProxy['proxy']['local']>['health']>) => boolean,
) {
  let health = tw.proxy.local!.health();
  for (let i = 0; i < 400 && !done(health); i++) {
    await sleep(25);
    health = tw.proxy.local!.health();
  }
  assert.ok(done(health), `local tier never got there; last health: ${JSON.stringify(health)}`);
  return health;
}

/** A loopback port nobody listens on (bound, noted, closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function chatStatus(tw: TestProxy, model: string) {
  const response = await tw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model, max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return {
    response,
    body: (await response.json()) as { error: { message: string; type: string; param: unknown; code: unknown } },
  };
}

describe('hf: model downloaded on first start, reused after', () => {
  let hub: FakeHuggingFace;
  let modelsDir: string;
  before(async () => {
    hub = await fakeHub(5);
    process.env.HF_ENDPOINT = hub.url;
    modelsDir = freshModelsDir();
  });
  after(() => hub.close());

  test('downloads with progress, lands byte-identical, goes downloading → ready, answers model "local"', async () => {
    const progress: DownloadProgress[] = [];
    const states: ProviderHealth[] = [];
    const tw = await startTestProxy({
      env: { ...LOCAL_ENV, TOKENWISE_MODELS_DIR: modelsDir },
      onDownloadProgress: (p) => progress.push({ ...p }),
      onStateChange: (h) => states.push({ ...h }),
    });
    try {
      await waitFor(tw, (h) => h.state === 'ready' || h.state === 'unavailable');
      assert.equal(tw.proxy.local!.health().state, 'ready', JSON.stringify(tw.proxy.local!.health()));

      // Progress: several events, never going backwards, ending at the whole file.
      assert.ok(progress.length >= 3, `progress fired ${progress.length} times`);
      for (const [i, p] of progress.entries()) {
        assert.equal(p.totalBytes, modelBytes.length, 'totalBytes is the served size');
        if (i > 0)
          assert.ok(
            p.downloadedBytes >= progress[i - 1]!.downloadedBytes,
            `downloadedBytes went backwards at event ${i}`,
          );
      }
      assert.ok(new Set(progress.map((p) => p.downloadedBytes)).size >= 3, 'downloadedBytes grows over several steps');
      assert.ok(progress[0]!.downloadedBytes < modelBytes.length);
      assert.equal(progress.at(-1)!.downloadedBytes, modelBytes.length);

      // States: downloading (with a growing fraction) → loading → ready, nothing after ready.
      const names = states.map((s) => s.state);
      const firstLoading = names.indexOf('loading');
      assert.ok(names.indexOf('downloading') >= 0 && names.indexOf('downloading') < firstLoading, names.join(','));
      assert.ok(
        names.slice(0, firstLoading).every((n) => n === 'downloading'),
        names.join(','),
      );
      assert.deepEqual(names.slice(firstLoading), ['loading', 'ready']);
      const fractions = states.filter((s) => s.state === 'downloading').map((s) => s.progress!);
      assert.ok(
        fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1]!)),
        fractions.join(','),
      );
      assert.equal(fractions.at(-1), 1);

      // The file, and only the file (no temp leftovers), in the models dir.
      assert.deepEqual(fs.readdirSync(modelsDir), [LANDED_FILE]);
      assert.ok(
        fs.readFileSync(path.join(modelsDir, LANDED_FILE)).equals(modelBytes),
        'downloaded file is byte-identical',
      );

      // What was asked of the hub: the manifest, then the file; no token sent.
      assert.equal(hub.requests[0]!.path, '/v2/tokenwise/tiny/manifests/Q4_K_M');
      assert.ok(
        hub.requests.slice(1).length >= 1 &&
          hub.requests.slice(1).every((r) => r.path.startsWith(`/tokenwise/tiny/resolve/main/${SERVED_FILE}`)),
        JSON.stringify(hub.requests.map((r) => r.path)),
      );
      assert.ok(
        hub.requests.every((r) => r.headers.authorization === undefined),
        'no Authorization header sent',
      );

      const health = (await (await tw.fetch('/tokenwise/health')).json()) as {
        local: { state: string; model: string };
      };
      assert.deepEqual([health.local.state, health.local.model], ['ready', LANDED_FILE.replace(/\.gguf$/, '')]);

      const { data, response } = await tw.openai.chat.completions
        .create({ model: 'local', max_tokens: 4, messages: [{ role: 'user', content: 'hello' }] })
        .withResponse();
      assert.equal(response.headers.get('x-tokenwise-route'), 'local');
      assert.equal(data.usage!.completion_tokens, 4);
      assert.ok(data.choices[0]!.message.content!.length > 0);
    } finally {
      await tw.close();
    }
  });

  test('a second start with the same models dir makes no request and is ready', async () => {
    const before = hub.requests.length;
    const progress: DownloadProgress[] = [];
    const tw = await startTestProxy({
      env: { ...LOCAL_ENV, TOKENWISE_MODELS_DIR: modelsDir },
      onDownloadProgress: (p) => progress.push(p),
    });
    try {
      await waitFor(tw, (h) => h.state === 'ready' || h.state === 'unavailable');
      assert.equal(tw.proxy.local!.health().state, 'ready', JSON.stringify(tw.proxy.local!.health()));
      assert.equal(
        hub.requests.length,
        before,
        `requests made: ${JSON.stringify(hub.requests.slice(before).map((r) => r.path))}`,
      );
      assert.equal(progress.length, 0);
      assert.deepEqual(fs.readdirSync(modelsDir), [LANDED_FILE]);
    } finally {
      await tw.close();
    }
  });
});

test('offline: the proxy still serves; local is unavailable and says why; auto goes to the cloud', async () => {
  process.env.HF_ENDPOINT = `http://127.0.0.1:${await closedPort()}`;
  const modelsDir = freshModelsDir();
  const cloud = await startFakeOpenAI();
  let tw: TestProxy | undefined;
  try {
    tw = await startTestProxy({
      env: {
        ...LOCAL_ENV,
        TOKENWISE_MODELS_DIR: modelsDir,
        OPENAI_BASE_URL: `${cloud.url}/v1`,
        OPENAI_API_KEY: 'sk-upstream',
      },
    });
    await waitFor(tw, (h) => h.state === 'unavailable' || h.state === 'ready');

    const healthResponse = await tw.fetch('/tokenwise/health');
    assert.equal(healthResponse.status, 200);
    const { local } = (await healthResponse.json()) as { local: { state: string; detail: string } };
    assert.equal(local.state, 'unavailable');
    assert.match(local.detail, /cannot download/);
    assert.match(local.detail, new RegExp(URI));
    assert.match(local.detail, /offline/i);
    assert.match(local.detail, /TOKENWISE_LOCAL_MODEL/);

    const { response, body } = await chatStatus(tw, 'local');
    assert.equal(response.status, 503);
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(body.error.type, 'server_error');
    assert.equal(body.error.code, 'local_model_unavailable');
    assert.ok(body.error.message.includes(local.detail), body.error.message);
    assert.match(body.error.message, /the local model is unavailable/);

    const { data, response: autoResponse } = await tw.openai.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'fallback please' }] })
      .withResponse();
    assert.equal(autoResponse.headers.get('x-tokenwise-route'), 'cloud');
    assert.equal(data.choices[0]!.message.content, 'echo: fallback please');
    assert.equal(cloud.requests.length, 1);
    assert.deepEqual(fs.readdirSync(modelsDir), [], 'nothing half-downloaded left behind');
  } finally {
    await tw?.close();
    await cloud.close();
  }
});

test('download off and the model missing: unavailable, says downloads are off, asks nothing of the hub', async () => {
  const hub = await fakeHub();
  process.env.HF_ENDPOINT = hub.url;
  const modelsDir = freshModelsDir();
  let tw: TestProxy | undefined;
  try {
    tw = await startTestProxy({ env: { ...LOCAL_ENV, TOKENWISE_MODELS_DIR: modelsDir }, flags: { download: false } });
    assert.equal(tw.config.local.download, false);
    const health = await waitFor(tw, (h) => h.state === 'unavailable' || h.state === 'ready');
    assert.equal(health.state, 'unavailable');
    assert.match(health.detail!, /downloads are off/);
    assert.match(health.detail!, new RegExp(`${URI} is not in ${modelsDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const { response, body } = await chatStatus(tw, 'local');
    assert.equal(response.status, 503);
    assert.match(body.error.message, /downloads are off/);
    assert.equal(hub.requests.length, 0, JSON.stringify(hub.requests.map((r) => r.path)));
    assert.deepEqual(fs.readdirSync(modelsDir), []);
  } finally {
    await tw?.close();
    await hub.close();
  }
});

test('during a slow download, model "local" is a 503 with retry-after and the percentage', async () => {
  const hub = await fakeHub(300); // 8 chunks × 300 ms: far longer than the test needs (closing cancels it)
  process.env.HF_ENDPOINT = hub.url;
  const modelsDir = freshModelsDir();
  let tw: TestProxy | undefined;
  try {
    const states: ProviderHealth[] = [];
    tw = await startTestProxy({
      env: { ...LOCAL_ENV, TOKENWISE_MODELS_DIR: modelsDir },
      onStateChange: (h) => states.push({ ...h }),
    });
    const local = tw.proxy.local!;
    const health = await waitFor(
      tw,
      (h) => (h.state === 'downloading' && h.progress! > 0) || h.state === 'ready' || h.state === 'unavailable',
    );
    assert.equal(health.state, 'downloading');
    assert.ok(health.progress! > 0 && health.progress! < 1, String(health.progress));

    const { response, body } = await chatStatus(tw, 'local');
    assert.equal(response.status, 503);
    assert.ok(Number(response.headers.get('retry-after')) >= 1, `retry-after: ${response.headers.get('retry-after')}`);
    assert.equal(body.error.code, 'local_model_unavailable');
    assert.match(body.error.message, /downloading \((\d{1,2})%\)/);
    const percent = Number(/\((\d+)%\)/.exec(body.error.message)![1]);
    assert.ok(percent > 0 && percent < 100, body.error.message);
    assert.equal(tw.proxy.local!.health().state, 'downloading', 'the 503 did not disturb the download');

    // The SDK sees the same 503.
    await assert.rejects(
      tw.openai.chat.completions.create({ model: 'local', max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] }),
      (e: { status: number; message: string }) => e.status === 503 && /downloading/.test(e.message),
    );

    // Closing mid-download cancels it: no attempt to load the missing file, no partial file left behind.
    const closing = performance.now();
    await tw.close();
    tw = undefined;
    assert.ok(performance.now() - closing < 1000, `close took ${Math.round(performance.now() - closing)} ms`);
    assert.ok(!states.some((s) => s.state === 'loading' || s.state === 'ready'), states.map((s) => s.state).join(','));
    assert.equal(local.health().state, 'unavailable');
    assert.match(local.health().detail!, /download of hf:tokenwise\/tiny:Q4_K_M was cancelled/);
    assert.deepEqual(fs.readdirSync(modelsDir), []);
  } finally {
    await tw?.close();
    await hub.close();
  }
});

describe('CLI progress bar', () => {
  function fakeStream(isTTY: boolean) {
    const writes: string[] = [];
    return {
      writes,
      stream: { isTTY, write: (chunk: string) => (writes.push(chunk), true) } as unknown as NodeJS.WriteStream,
    };
  }
  const MB = 1024 * 1024;

  test('not a TTY: one plain line per 10%, ending with 100%', () => {
    const { writes, stream } = fakeStream(false);
    const bar = createProgressBar('downloading m', stream);
    const total = 200 * MB;
    for (let done = 0; done <= total; done += total / 1000) bar.update(done, total); // every 0.1%
    bar.update(total, total); // a repeated final event prints nothing more
    assert.ok(
      writes.every((w) => w.endsWith('\n') && !w.includes('\r')),
      JSON.stringify(writes),
    );
    const percents = writes.map((w) => Number(/^downloading m: (\d+)% \(/.exec(w)?.[1]));
    assert.deepEqual(percents, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    assert.equal(writes.at(-1), 'downloading m: 100% (200.0 MB / 200.0 MB)\n');
  });

  test('not a TTY, coarse updates: still at most one line per 10% and a final 100%', () => {
    const { writes, stream } = fakeStream(false);
    const bar = createProgressBar('dl', stream);
    for (const fraction of [0, 0.05, 0.25, 0.27, 0.5, 0.995, 1, 1]) bar.update(fraction * 100 * MB, 100 * MB);
    assert.deepEqual(
      writes.map((w) => /: (\d+)%/.exec(w)![1]),
      ['25', '50', '99', '100'],
    );
    assert.ok(writes.every((w) => w.endsWith('\n') && !w.includes('\r')));
  });

  test('a TTY: redraws one line with \\r (throttled) and ends it with a newline at 100%', async () => {
    const { writes, stream } = fakeStream(true);
    const bar = createProgressBar('downloading m', stream);
    const total = 50 * MB;
    bar.update(0, total);
    for (let i = 1; i <= 40; i++) bar.update((total * i) / 100, total); // within 100 ms of the first draw: throttled
    await sleep(120);
    bar.update(total / 2, total);
    bar.update(total, total);
    const draws = writes.filter((w) => w !== '\n');
    assert.ok(
      draws.every((w) => w.startsWith('\r') && !w.includes('\n')),
      JSON.stringify(writes),
    );
    assert.ok(draws.length >= 3 && draws.length < 10, `${draws.length} draws: throttled, but more than one`);
    assert.match(draws[0]!, /^\rdownloading m \[░{30}\] {3}0% 0\.0 MB \/ 50\.0 MB$/);
    assert.match(draws.at(-2)!, /^\rdownloading m \[█{15}░{15}\] {2}50% 25\.0 MB \/ 50\.0 MB$/);
    assert.match(draws.at(-1)!, /^\rdownloading m \[█{30}\] 100% 50\.0 MB \/ 50\.0 MB$/);
    assert.deepEqual(writes.slice(-2), [draws.at(-1), '\n'], 'the newline comes right after the 100% draw');
    assert.equal(writes.filter((w) => w.includes('\n')).length, 1, 'and only then');
  });
});
