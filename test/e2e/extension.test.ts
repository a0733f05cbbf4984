/**
 * End to end in a real VS Code: the packaged .vsix installed into code-server 4.100.3 (VS Code 1.100.3), driven by
 * headless Chromium. The extension starts the proxy (the generated local model, a loopback OpenAI-compatible
 * cloud); the openai SDK sends requests through it; the status bar and the panel must show them live. Then the
 * proxy is killed and must come back. A prompt in a source file gets its inline cost hint (coloured by cost) and a
 * warning whose quick fix rewrites it; long one-line calls get theirs in a CodeLens, `tokenwise-ignore` and the
 * severity setting silence findings. The panel draws the daily and monthly budgets set in the settings, lists each
 * conversation's cost, and switches its tables' date range; the walkthrough's test request answers; Connect Claude Code writes its settings and undo removes them.
 * "Enable GPU acceleration" installs the Vulkan build from a loopback npm registry (a stand-in driver makes the
 * machine look like it has a card) and "Remove GPU acceleration" takes it away. Leaves screenshots (test/artifacts/panel.png, panel-empty.png, vscode.png, prompt-hint.png) and
 * the measured start-up and panel delays (test/artifacts/e2e.json) behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { parsePromptHintSettings } from '../../extension/prompt-hint-settings.ts';
import { costLevel } from '../../extension/prompt-hint-style.ts';
import type { AuditReport } from '../../proxy/audit/report.ts';
import { hintText } from '../../proxy/prompts/format.ts';
import { createPromptAnalyzer } from '../../proxy/prompts/index.ts';
import { installedPythonWasm } from '../../proxy/prompts/wasm.ts';
import { statusSummary, usd } from '../../shared/format.ts';
import { isProxyHealth, type ConversationsReply, type ProxyHealth, type UsageSummary } from '../../shared/protocol.ts';
import type { DoctorReport } from '../../shared/llama-backends.ts';
import { startFakeHuggingFace } from '../support/fake-hf.ts';
import { packInstalled, startFakeNpmRegistry } from '../support/fake-npm-registry.ts';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { ensureTinyModel } from '../support/tiny-model.ts';
import { startCodeServer, freePort, type CodeServer } from './support/code-server.ts';
import { CHROMIUM, ensureE2eTools } from './support/install.ts';

const repo = path.resolve(import.meta.dirname, '..', '..');
const artifacts = path.join(repo, 'test', 'artifacts');
const CLOUD_KEY = 'sk-e2e-cloud-key';
const manifest = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
/** `#cca700` as the browser's computed style writes it: `rgb(204, 167, 0)`. */
const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

let root: string;
let vsix: string;
let tinyModel: string;

before(
  async () => {
    ensureE2eTools();
    tinyModel = await ensureTinyModel();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-e2e-'));
    vsix = path.join(root, 'tokenwise.vsix');
    const started = Date.now();
    const build = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/vsix.ts', '--out', vsix], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.equal(build.status, 0, `npm run package failed:\n${build.stdout}\n${build.stderr}`);
    console.log(
      `# packaged the .vsix in ${((Date.now() - started) / 1000).toFixed(1)} s (${(fs.statSync(vsix).size / 1e6).toFixed(1)} MB)`,
    );
  },
  { timeout: 30 * 60_000 },
);

after(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** Polls `read` until `check` accepts its value; fails with the last value seen. */
async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let error: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (check(last)) return last;
    } catch (e) {
      error = e;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `timed out waiting for ${what}; last value: ${JSON.stringify(last)}${error ? `; last error: ${(error as Error).message}` : ''}`,
  );
}

async function health(port: number): Promise<ProxyHealth | undefined> {
  const body: unknown = await fetch(`http://127.0.0.1:${port}/tokenwise/health`, {
    signal: AbortSignal.timeout(2000),
  }).then(
    (r) => r.json(),
    () => undefined,
  );
  return isProxyHealth(body) ? body : undefined;
}

/** Runs a command from the palette, then answers its quick picks / input boxes in order, each once `shows` is on screen. */
/**
 * Opens a workspace file by Quick Open. A file the test just wrote may be missing from Quick Open's cached file list
 * until the file watcher reports it, so the picker is reopened (a fresh search) until the file is listed.
 */
async function quickOpen(page: Page, name: string): Promise<void> {
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first();
  const deadline = Date.now() + 45_000;
  for (;;) {
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill(name);
    try {
      await row.waitFor({ timeout: 5_000 });
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await page.keyboard.press('Escape');
    }
  }
  await page.keyboard.press('Enter');
}

async function runCommand(page: Page, title: string, answers: { shows: string; answer: string }[]): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input');
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await widget.locator('.monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
  for (const { shows, answer } of answers) {
    await waitFor(
      `"${shows}" in the quick input`,
      () => widget.innerText({ timeout: 1000 }),
      (text) => text.includes(shows),
      20_000,
    );
    await input.fill(answer);
    // The file dialog validates what was typed asynchronously and ignores Enter until it has.
    await page.waitForTimeout(500);
    await page.keyboard.press('Enter');
  }
}

test('the packaged extension runs the proxy and shows usage live in a real VS Code', {
  timeout: 5 * 60_000,
}, async (t) => {
  const began = Date.now();
  const fake = await startFakeOpenAI();
  // The audit's judge (its rubric's system prompt) calls each pair a tie; everything else is echoed.
  fake.behave((req) =>
    req.body?.messages?.[0]?.role === 'system' && /compare two answers/.test(req.body.messages[0].content)
      ? { kind: 'text', text: 'TIE' }
      : { kind: 'echo' },
  );
  // A loopback Hugging Face for "Choose or download local model"; slow enough that the download shows progress.
  const hub = await startFakeHuggingFace({
    files: { 'tokenwise/tiny/tiny-Q4_K_M.gguf': fs.readFileSync(tinyModel) },
    manifests: { 'tokenwise/tiny:Q4_K_M': 'tiny-Q4_K_M.gguf' },
    chunks: 10,
    chunkDelayMs: 200,
  });
  // A loopback npm registry with the real Vulkan build, and a stand-in Vulkan loader (node-llama-cpp's detection looks
  // for the library file) so the proxy reports that build as downloadable.
  const vulkan = '@node-llama-cpp/linux-x64-vulkan';
  const npm = await startFakeNpmRegistry([packInstalled(path.join(repo, 'node_modules', vulkan))]);
  const fakeDriver = path.join(root, 'driver');
  fs.mkdirSync(fakeDriver, { recursive: true });
  fs.writeFileSync(path.join(fakeDriver, 'libvulkan.so.1'), '');
  const proxyPort = await freePort();
  const dataDir = path.join(root, 'proxy-data');
  const configFile = path.join(root, 'tokenwise.json');
  fs.writeFileSync(configFile, '{}\n');
  let vscode: CodeServer | undefined;
  let browser: Browser | undefined;
  let lastPid: number | undefined;
  try {
    vscode = await startCodeServer({
      root,
      vsix,
      settings: {
        'tokenwise.port': proxyPort,
        'tokenwise.dataDir': dataDir,
        'tokenwise.configFile': configFile,
        'tokenwise.localModel': tinyModel,
        'tokenwise.modelsDir': path.join(root, 'models'),
        'tokenwise.threads': 1,
        'tokenwise.openai.baseUrl': `${fake.url}/v1`,
        'tokenwise.budget.dailyUsd': 100,
        'tokenwise.budget.monthlyUsd': 1000,
        // Every request the router decides is audited, so the panel's audit lines have something to show.
        'tokenwise.audit.share': 1,
        'tokenwise.promptHints.severity': { 'large-json-interpolation': 'info' },
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
      },
      env: {
        HF_ENDPOINT: hub.url,
        HF_TOKEN_PATH: path.join(root, 'no-hf-token'),
        npm_config_registry: npm.url,
        npm_config_userconfig: path.join(root, 'no-npmrc'),
        LD_LIBRARY_PATH: fakeDriver,
      },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    // The panel runs under a strict CSP: anything it tried that the policy refused shows up here.
    const refused: string[] = [];
    page.on('console', (message) => /Content Security Policy/i.test(message.text()) && refused.push(message.text()));
    await page.goto(`${vscode.url}/?folder=${encodeURIComponent(vscode.workspace)}`);
    const status = page.locator('[id="tokenwise.tokenwise.status"]');

    await t.test('the extension starts the proxy and the status bar says so', async () => {
      await waitFor(
        'the status bar to show today’s spend',
        () => status.innerText({ timeout: 1000 }),
        (text) => /today · saved/.test(text),
        90_000,
      );
      const h = await waitFor(
        'the local model to load',
        () => health(proxyPort),
        (h) => h?.local.state === 'ready',
        60_000,
      );
      lastPid = h!.pid;
    });

    await t.test('a GPU whose build is missing is offered once', async () => {
      const offer = page.locator('.notification-toast', { hasText: 'has a GPU the local model could use' });
      await offer.waitFor({ timeout: 30_000 });
      assert.deepEqual((await health(proxyPort))!.local.backends!.downloadable, [
        { backend: 'vulkan', packages: [vulkan] },
      ]);
      await offer.locator('.monaco-button', { hasText: 'Not now' }).click();
    });

    await t.test('a cloud key set from the palette reaches the proxy through SecretStorage', async () => {
      await page.locator('.monaco-workbench').click({ position: { x: 640, y: 400 } });
      await runCommand(page, 'Tokenwise: Set cloud API key', [
        { shows: 'Anthropic', answer: 'OpenAI' },
        { shows: 'Leave empty to remove', answer: CLOUD_KEY },
      ]);
      // A new secret changes the proxy's environment: it restarts to take it.
      const h = await waitFor(
        'the proxy to restart with the key',
        () => health(proxyPort),
        (h) => h !== undefined && h.pid !== lastPid && h.local.state === 'ready',
        60_000,
      );
      lastPid = h!.pid;
    });

    const token = fs.readFileSync(path.join(dataDir, 'token'), 'utf8').trim();
    const openai = new OpenAI({ baseURL: `http://127.0.0.1:${proxyPort}/v1`, apiKey: token, maxRetries: 0 });
    const usage = async () =>
      (await (
        await fetch(`http://127.0.0.1:${proxyPort}/tokenwise/usage?since=${new Date().setHours(0, 0, 0, 0)}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as UsageSummary;

    await page.locator('.activitybar .action-item a[aria-label^="Tokenwise"]').click();
    const panel: FrameLocator = page
      .frameLocator('iframe.webview.ready[src*="extensionId=tokenwise.tokenwise"]')
      .frameLocator('#active-frame');

    await t.test('the empty panel tells a new user how to connect', async () => {
      await panel.locator('.empty').waitFor({ timeout: 60_000 });
      assert.match(await panel.locator('.connect').innerText(), new RegExp(`127\\.0\\.0\\.1:${proxyPort}/v1`));
      for (const tool of ['openai SDK', 'Claude Code', 'Continue', 'Cline', 'Aider'])
        assert.ok(await panel.locator('.connect .tab', { hasText: tool }).count(), tool);
      assert.doesNotMatch(
        await panel.locator('body').innerHTML(),
        new RegExp(token),
        'the token never reaches the webview',
      );
      fs.mkdirSync(artifacts, { recursive: true });
      await page.locator('.part.sidebar').screenshot({ path: path.join(artifacts, 'panel-empty.png') });
    });

    const delays: number[] = [];
    /** Sends one request and measures when the panel first shows it, from the moment the SDK call returned. */
    const send = async (request: () => Promise<unknown>) => {
      const before = Number((await panel.locator('body').getAttribute('data-last-event-id')) ?? 0);
      await request();
      const finished = Date.now();
      await waitFor(
        'the panel to show the request',
        async () => Number(await panel.locator('body').getAttribute('data-last-event-id')),
        (id) => id > before,
        10_000,
      );
      delays.push(Number(await panel.locator('body').getAttribute('data-last-event-shown-at')) - finished);
    };

    await t.test('requests through the proxy show up in the panel within a second', async () => {
      const ask = (content: string) => [{ role: 'user' as const, content }];
      await send(() => openai.chat.completions.create({ model: 'local', messages: ask('Say hello'), max_tokens: 16 }));
      await send(() =>
        openai.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: ask('Explain caching in one line'),
          max_tokens: 32,
        }),
      );
      await send(() =>
        openai.chat.completions.create({ model: 'auto', messages: ask('Name a colour'), max_tokens: 16 }),
      );
      const streamed = async () => {
        const stream = await openai.chat.completions.create({
          model: 'gpt-4o',
          messages: ask('Write a haiku about tokens'),
          temperature: 0,
          stream: true,
        });
        for await (const _ of stream);
      };
      await send(streamed);
      await send(streamed); // the same deterministic request again: an exact cache hit
      assert.equal(
        fake.requests.at(-1)?.headers.authorization,
        `Bearer ${CLOUD_KEY}`,
        'the key from SecretStorage reached the cloud',
      );
      assert.ok(
        Math.max(...delays) < 1000,
        `the panel showed each request within 1 s (delays: ${delays.join(', ')} ms)`,
      );
    });

    await t.test('the panel and the status bar show the ledger’s numbers', async () => {
      const { totals } = await usage();
      assert.equal(totals.requests, 5);
      assert.ok(totals.costUsd > 0 && totals.savedUsd > 0, JSON.stringify(totals));
      const metric = (name: string) => panel.locator(`[data-metric="${name}"] .value`).innerText();
      await waitFor(
        'the panel totals',
        async () => [await metric('requests'), await metric('spent'), await metric('saved')],
        (v) => v.join() === [String(totals.requests), usd(totals.costUsd), usd(totals.savedUsd)].join(),
      );
      await waitFor(
        'the status bar',
        () => status.innerText(),
        (text) => text.includes(statusSummary(totals)),
      );
      const routes = await panel
        .locator('.recent li')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-route')));
      assert.deepEqual(routes.sort(), ['cloud', 'cloud', 'cloud', 'local', 'local']);
      assert.equal(await panel.locator('.recent .badge', { hasText: 'exact' }).count(), 1);
      const models = await panel.locator('[data-table="model"] tbody td:first-child').allInnerTexts();
      assert.deepEqual(models.sort(), ['gpt-4o', 'gpt-4o-mini', 'tiny']);
      assert.match(await panel.locator('[data-table="client"]').innerText(), /openai-node/);
      // The chart: 60 minutes or 7 days of spend-vs-baseline bars, the newest holding today's requests.
      assert.equal(await panel.locator('.chart[data-range="hour"] rect.baseline').count(), 60);
      await panel.locator('.spend .tab', { hasText: '7 days' }).click();
      const week = panel.locator('.chart[data-range="week"] rect.baseline');
      await week.first().waitFor({ state: 'attached' });
      assert.equal(await week.count(), 7);
      assert.match(
        (await week.last().locator('title').textContent()) ?? '',
        new RegExp(`spent ${usd(totals.costUsd).replace('$', '\\$')}, .* ${totals.requests} requests`),
      );
      await panel.locator('.spend .tab', { hasText: 'Last hour' }).click();
      // The daily budget set in the settings reaches the proxy, which reports it; the panel draws it.
      await waitFor(
        'the budget gauge',
        () => panel.locator('[data-budget="daily"]').innerText(),
        (text) => text.includes(`Daily budget: ${usd(totals.costUsd)} of ${usd(100)}`),
      );
      // The monthly one beside it, on this month's spend (the data directory is new: all of it is today's).
      await waitFor(
        'the monthly budget gauge',
        () => panel.locator('[data-budget="monthly"]').innerText(),
        (text) => text.includes(`Monthly budget: ${usd(totals.costUsd)} of ${usd(1000)}`),
      );
      // Per-conversation cost: the panel's rows are the ledger's conversations, costliest first; the haiku sent twice
      // is one conversation of two requests.
      const { conversations } = (await (
        await fetch(`http://127.0.0.1:${proxyPort}/tokenwise/conversations?since=${new Date().setHours(0, 0, 0, 0)}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as ConversationsReply;
      assert.deepEqual(conversations.map((c) => c.requests).sort(), [1, 1, 1, 2]);
      const expected = conversations.map((c) =>
        [`${c.client} · ${c.id.slice(0, 8)}`, String(c.requests), usd(c.costUsd)].join('|'),
      );
      const rows = () =>
        panel.locator('[data-table="conversations"] tbody tr').evaluateAll((trs) =>
          trs.map((tr) =>
            Array.from(tr.querySelectorAll('td'))
              .filter((_, i) => i !== 2 && i !== 4)
              .map((td) => td.textContent)
              .join('|'),
          ),
        );
      await waitFor('the conversations table', rows, (shown) => shown.join('\n') === expected.join('\n'));
      // The tables' date range: 7 days holds today's models too.
      await panel.locator('[data-table-range="7d"]').click();
      await waitFor(
        'the 7-day tables',
        async () => [
          await panel.locator('[data-table-range="7d"]').getAttribute('aria-pressed'),
          (await panel.locator('[data-table="model"] tbody td:first-child').allInnerTexts()).sort().join(),
        ],
        (v) => v.join('|') === 'true|gpt-4o,gpt-4o-mini,tiny',
      );
      await panel.locator('[data-table-range="today"]').click();
    });

    await t.test('commands: export usage as CSV, clear the answer cache', async () => {
      const csv = path.join(vscode!.workspace, 'usage.csv');
      await runCommand(page, 'Tokenwise: Export usage (CSV)', [
        { shows: 'By route', answer: 'By model' },
        { shows: 'Show Local', answer: csv },
      ]);
      const text = await waitFor(
        'the CSV file',
        async () => fs.readFileSync(csv, 'utf8'),
        (text) => text.includes('tiny'),
        20_000,
      );
      assert.match(text, /^key,requests,/);
      assert.deepEqual(
        text
          .trim()
          .split('\n')
          .slice(1)
          .map((line) => line.split(',').slice(0, 2).join(','))
          .sort(),
        ['gpt-4o,2', 'gpt-4o-mini,1', 'tiny,2'],
      );
      await runCommand(page, 'Tokenwise: Clear answer cache', []);
      await page.locator('.notification-toast', { hasText: 'cleared 1 cached answer' }).waitFor({ timeout: 20_000 });
    });

    await t.test('a killed proxy comes back, says so once, and the panel keeps up', async () => {
      process.kill(lastPid!, 'SIGKILL');
      const h = await waitFor(
        'the proxy to come back',
        () => health(proxyPort),
        (h) => h !== undefined && h.pid !== lastPid && h.local.state === 'ready',
        60_000,
      );
      lastPid = h!.pid;
      await waitFor(
        'the status bar to recover',
        () => status.innerText(),
        (text) => /today · saved/.test(text),
      );
      const toasts = page.locator('.notification-toast', { hasText: 'stopped unexpectedly' });
      assert.equal(await toasts.count(), 1);
      await send(() =>
        openai.chat.completions.create({
          model: 'local',
          messages: [{ role: 'user', content: 'Back again?' }],
          max_tokens: 8,
        }),
      );
      const { totals } = await usage();
      const shown = async () => [
        await panel.locator('[data-metric="requests"] .value').innerText(),
        await panel.locator('[data-metric="saved"] .value').innerText(),
        await panel.locator('.levers').innerText(),
      ];
      const levers = Object.entries(totals.savedByLever)
        .filter(([, v]) => v > 0)
        .map(([lever, v]) => `${lever} ${usd(v)}`)
        .join(' · ');
      await waitFor(
        'the panel to settle on the ledger’s numbers',
        shown,
        (v) => v.join('|') === ['6', usd(totals.savedUsd), `Saved by ${levers}`].join('|'),
      );
    });

    await t.test('a prompt in the code gets its cost hint and a warning, and the quick fix rewrites it', async () => {
      const file = path.join(vscode!.workspace, 'release-notes.ts');
      const original = fs.readFileSync(path.join(repo, 'test', 'fixtures', 'prompts', 'openai-responses.ts'), 'utf8');
      fs.writeFileSync(file, original);
      const [report] = await createPromptAnalyzer({ pythonWasm: installedPythonWasm() }).analyze(file, original);
      const finding = report!.findings.find((f) => f.rule === 'template-padding')!;
      const fix = finding.fix!;
      await quickOpen(page, 'release-notes.ts');
      const lines = page.locator('.editor-instance .view-lines');
      // A decoration's text is CSS content after the line, not DOM text.
      const hints = () =>
        lines
          .locator('span[class*="ced-"]')
          .evaluateAll((spans) => spans.map((span) => getComputedStyle(span, '::after').content).join('\n'));
      const hint = hintText(report!.cost);
      await waitFor(`the hint "${hint}"`, hints, (text) => text.includes(hint), 30_000);
      await page.keyboard.press('Control+Shift+M');
      const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'template-padding' });
      await problem.first().waitFor({ timeout: 20_000 });
      assert.match(await problem.first().innerText(), /tokens of indentation and blank lines/);
      // Cursor onto the warning (Go to Line), then the quick fix menu.
      const before = original.slice(0, finding.start);
      const [line, column] = [before.split('\n').length, finding.start - before.lastIndexOf('\n')];
      await page.locator('.editor-instance .view-lines').click();
      await page.keyboard.press('Control+G');
      await page.locator('.quick-input-widget input').fill(`:${line}:${column}`);
      await page.keyboard.press('Enter');
      // Asked too soon after the cursor moved, VS Code may answer "No code actions available": ask again.
      const action = page.locator('.action-widget .monaco-list-row', { hasText: fix.title }).first();
      await waitFor(
        'the quick fix in the menu',
        async () => {
          await page.keyboard.press('Control+.');
          return action.waitFor({ timeout: 3000 }).then(
            () => true,
            async () => (await page.keyboard.press('Escape'), false),
          );
        },
        (shown) => shown,
        30_000,
      ).catch(async (error: unknown) => {
        await page.screenshot({ path: path.join(artifacts, 'prompt-hint-failure.png') });
        throw error;
      });
      // The menu is keyboard-driven (a pointer block covers it): move to the fix, then Enter.
      for (let i = 0; i < 12 && !/\bfocused\b/.test((await action.getAttribute('class')) ?? ''); i++)
        await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Control+S');
      let expected = original;
      for (const edit of [...fix.edits].sort((a, b) => b.start - a.start))
        expected = expected.slice(0, edit.start) + edit.newText + expected.slice(edit.end);
      await waitFor(
        'the fixed file on disk',
        async () => fs.readFileSync(file, 'utf8'),
        (text) => text === expected,
        20_000,
      );
      const [after] = await createPromptAnalyzer({ pythonWasm: installedPythonWasm() }).analyze(file, expected);
      assert.ok(after!.cost.inputTokens < report!.cost.inputTokens);
      await waitFor('the hint to show the fixed prompt', hints, (text) => text.includes(hintText(after!.cost)), 20_000);
      await page.locator('.part.editor').screenshot({ path: path.join(artifacts, 'prompt-hint.png') });
      // Coloured by cost per call, with the colour package.json gives its band for the workbench's theme kind.
      const workbench = (await page.locator('.monaco-workbench').getAttribute('class')) ?? '';
      const kind = /\bhc-light\b/.test(workbench)
        ? 'highContrastLight'
        : /\bhc-black\b/.test(workbench)
          ? 'highContrast'
          : /\bvs-dark\b/.test(workbench)
            ? 'dark'
            : 'light';
      const colours = Object.fromEntries(
        (manifest.contributes.colors as { id: string; defaults: Record<string, string> }[]).map((c) => [
          c.id.replace('tokenwise.promptHint.', '').replace('Cost', ''),
          c.defaults[kind]!,
        ]),
      );
      const expectedColour = rgb(
        colours[
          costLevel(
            after!.cost,
            parsePromptHintSettings(() => undefined),
          )
        ]!,
      );
      const colour = await lines
        .locator('span[class*="ced-"]')
        .evaluateAll(
          (spans, text) =>
            spans.map((span) => getComputedStyle(span, '::after')).find((style) => style.content.includes(text))?.color,
          hintText(after!.cost),
        );
      assert.equal(colour, expectedColour);
    });

    await t.test(
      'long one-line calls get their hint in a CodeLens above; tokenwise-ignore silences a finding, the severity setting sets its level',
      async () => {
        const file = path.join(vscode!.workspace, 'one-liners.ts');
        const call = (name: string) =>
          `export const ${name} = (order: object) => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: \`Check this order before it ships: \${JSON.stringify(order, null, 2)}\` }] });`;
        const source = [
          'import OpenAI from "openai";',
          'const openai = new OpenAI();',
          '// tokenwise-ignore',
          call('checked'),
          call('unchecked'),
          '',
        ].join('\n');
        fs.writeFileSync(file, source);
        const reports = await createPromptAnalyzer({ pythonWasm: installedPythonWasm() }).analyze(file, source);
        assert.deepEqual(
          reports.map((r) => r.findings.map((f) => f.rule)),
          [[], ['large-json-interpolation']],
        );
        await quickOpen(page, 'one-liners.ts');
        const lenses = () => page.locator('.editor-instance .codelens-decoration').allInnerTexts();
        await waitFor(
          'a CodeLens with the hint above each long call',
          lenses,
          (texts) => texts.filter((t) => t.includes(hintText(reports[0]!.cost))).length === 2,
          30_000,
        );
        const problems = page.locator('.markers-panel .monaco-list-row', { hasText: 'large-json-interpolation' });
        await waitFor(
          'one large-json problem (the ignored call has none)',
          () => problems.count(),
          (n) => n === 1,
          20_000,
        );
        // tokenwise.promptHints.severity sets large-json-interpolation to info (in the settings above).
        assert.equal(await problems.first().locator('.codicon-info').count(), 1, await problems.first().innerHTML());
      },
    );

    await t.test(
      'the walkthrough’s test request answers; Connect Claude Code writes its settings and undo takes them back',
      async () => {
        await runCommand(page, 'Tokenwise: Send a test request', []);
        await page.locator('.notification-toast', { hasText: 'Tokenwise answered (' }).waitFor({ timeout: 60_000 });
        const claude = path.join(root, 'home', '.claude', 'settings.json');
        await runCommand(page, 'Tokenwise: Connect Claude Code', []);
        const written = await waitFor(
          'Claude Code’s settings',
          async () => (fs.existsSync(claude) ? JSON.parse(fs.readFileSync(claude, 'utf8')) : undefined),
          (v) => v !== undefined,
          20_000,
        );
        assert.deepEqual(written.env, {
          ANTHROPIC_BASE_URL: `http://127.0.0.1:${proxyPort}`,
          ANTHROPIC_AUTH_TOKEN: token,
        });
        await runCommand(page, 'Tokenwise: Undo connect a tool', [{ shows: 'Claude Code', answer: 'Claude Code' }]);
        await waitFor(
          'the settings file to be gone again',
          async () => fs.existsSync(claude),
          (exists) => !exists,
          20_000,
        );
      },
    );

    await t.test('the panel shows the quality audit in three lines, with the ledger’s numbers', async () => {
      const audit = async () =>
        (await (
          await fetch(`http://127.0.0.1:${proxyPort}/tokenwise/audit`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).json()) as AuditReport;
      const percent = (x: number) => `${Math.round(x * 100)}%`;
      const expected = (r: AuditReport) => {
        const rate = r.localAsGood,
          prior = r.operatingPoints.find((p) => p.group === 'prior')!;
        return [
          `Local as good as cloud: ${percent(rate.rate!)} (${percent(rate.low)}–${percent(rate.high)}) of ${rate.judged} judged`,
          `Audit spend ${usd(r.spentTodayUsd)} today, ${usd(r.spentUsd)} in all`,
          `Operating point: gain < ${prior.threshold} goes local`,
        ];
      };
      const shown = async () =>
        Promise.all(
          ['rate', 'spend', 'point'].map(async (line) =>
            (await panel.locator(`[data-audit="${line}"]`).count())
              ? panel.locator(`[data-audit="${line}"]`).innerText()
              : '',
          ),
        );
      // The panel re-reads the audit at most once a minute, with the ledger: an audit that ends after a re-read shows
      // at the next one, so wait for the panel to catch up with the ledger.
      const seen = await waitFor(
        'the audit lines with the ledger’s numbers',
        async () => ({ lines: await shown(), report: await audit() }),
        ({ lines, report }) =>
          lines.every(Boolean) &&
          report.judged >= 1 &&
          lines[0] === expected(report)[0] &&
          lines[1] === expected(report)[1],
        150_000,
      );
      const { lines, report } = seen!;
      // The "auto" request was audited (every one is): the cloud's answer and the judge's tie, both paid for.
      assert.ok(
        report.judged >= 1 && report.localAsGood.asGood === report.judged && report.spentUsd > 0,
        JSON.stringify(report),
      );
      const [rate, spend, point] = expected(report);
      assert.deepEqual(lines.slice(0, 2), [rate, spend]);
      assert.ok(lines[2]!.startsWith(point!), lines[2]);
    });

    await t.test('screenshot of the panel', async () => {
      fs.mkdirSync(artifacts, { recursive: true });
      await runCommand(page, 'Notifications: Clear All Notifications', []);
      await page
        .locator('.notification-toast')
        .first()
        .waitFor({ state: 'detached', timeout: 5_000 })
        .catch(() => undefined);
      await page.locator('.part.sidebar').screenshot({ path: path.join(artifacts, 'panel.png') });
      await page.screenshot({ path: path.join(artifacts, 'vscode.png') });
    });

    await t.test('choosing a Hugging Face model downloads it with visible progress, and it loads', async () => {
      await runCommand(page, 'Tokenwise: Choose or download local model', [
        { shows: 'Enter a Hugging Face model', answer: 'Hugging Face' },
        { shows: 'A Hugging Face GGUF model', answer: 'hf:tokenwise/tiny:Q4_K_M' },
      ]);
      await page.locator('.notification-toast', { hasText: /downloading… \d+%/ }).waitFor({ timeout: 30_000 });
      await page.locator('.notification-toast', { hasText: 'is ready' }).waitFor({ timeout: 60_000 });
      const h = await health(proxyPort);
      assert.notEqual(h?.pid, lastPid);
      lastPid = h!.pid;
      assert.deepEqual([h!.local.state, h!.local.model], ['ready', 'hf_tokenwise_tiny_tiny.Q4_K_M']);
      assert.ok(fs.existsSync(path.join(root, 'models', 'hf_tokenwise_tiny_tiny.Q4_K_M.gguf')));
    });

    await t.test(
      'Enable GPU acceleration installs the verified build from the npm registry and restarts the proxy on it',
      async () => {
        await runCommand(page, 'Tokenwise: Enable GPU acceleration', []);
        // The stand-in driver cannot run Vulkan: llama.cpp falls back to the CPU build, and the notification says so.
        await page
          .locator('.notification-toast', { hasText: 'the vulkan build is installed' })
          .waitFor({ timeout: 90_000 });
        assert.ok(
          npm.requests.includes(`/${vulkan.replace('/', '%2f')}`) && npm.requests.some((r) => r.endsWith('.tgz')),
          npm.requests.join(', '),
        );
        const h = await waitFor(
          'the restarted proxy',
          () => health(proxyPort),
          (h) => h !== undefined && h.pid !== lastPid && h.local.state === 'ready',
          60_000,
        );
        lastPid = h!.pid;
        const storage = path.join(
          vscode!.userDataDir,
          'User',
          'globalStorage',
          'tokenwise.tokenwise',
          'llama-backends',
        );
        assert.deepEqual([h!.local.backends!.usable, h!.local.backends!.downloadable], [['vulkan', 'cpu'], []]);
        assert.ok(
          h!.local.backends!.locations[vulkan]!.startsWith(storage),
          `found in the global storage: ${h!.local.backends!.locations[vulkan]}`,
        );
        // The doctor of the installed extension's own proxy CLI, asking the running proxy.
        const cli = path.join(
          vscode!.extensionsDir,
          fs.readdirSync(vscode!.extensionsDir).find((d) => d.startsWith('tokenwise.'))!,
          'dist',
          'proxy',
          'cli.js',
        );
        const doctor = spawnSync(
          process.execPath,
          [cli, 'doctor', '--json', '--port', String(proxyPort), '--data-dir', dataDir],
          { encoding: 'utf8', timeout: 60_000 },
        );
        const report = JSON.parse(doctor.stdout) as DoctorReport;
        assert.equal(report.backends.locations[vulkan], h!.local.backends!.locations[vulkan]);
        assert.ok(report.speed.generationTokensPerSecond > 0);

        await runCommand(page, 'Tokenwise: Remove GPU acceleration', []);
        await page.locator('.notification-toast', { hasText: `removed ${vulkan}` }).waitFor({ timeout: 60_000 });
        const back = await waitFor(
          'the proxy on the CPU build',
          () => health(proxyPort),
          (h) => h !== undefined && h.pid !== lastPid && h.local.state === 'ready' && h.local.backends !== undefined,
          60_000,
        );
        lastPid = back!.pid;
        assert.deepEqual(back!.local.backends!.downloadable, [{ backend: 'vulkan', packages: [vulkan] }]);
        assert.ok(!fs.existsSync(storage));
      },
    );

    const log = await waitFor(
      'the extension log',
      async () => findLog(vscode!.userDataDir),
      (text) => /proxy spawned/.test(text ?? ''),
      10_000,
    );
    assert.ok(!log!.includes(token) && !log!.includes(CLOUD_KEY), 'neither the token nor the cloud key is logged');
    assert.deepEqual(refused, [], 'nothing in the page broke its Content Security Policy');
    const activationMs = Number(log!.match(/activated in ([\d.]+) ms/)?.[1]);
    const [, spawnMs, threadMs] = log!
      .match(/proxy spawned ([\d.]+) ms after activation began, using ([\d.]+) ms/)!
      .map(Number);
    console.log(
      log!
        .split('\n')
        .filter((line) => /activat|spawned|checked in|prompt/.test(line))
        .map((line) => `# ${line}`)
        .join('\n'),
    );
    const metrics = {
      activationMs,
      spawnMs,
      threadMsBeforeSpawn: threadMs,
      panelDelaysMs: delays,
      seconds: (Date.now() - began) / 1000,
    };
    fs.writeFileSync(path.join(artifacts, 'e2e.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    console.log(
      `# activation ${activationMs} ms; proxy spawned ${spawnMs} ms after activation began, ${threadMs} ms of it on the extension host's thread; panel delays ${delays.join(', ')} ms; ${metrics.seconds.toFixed(1)} s`,
    );
    assert.ok(threadMs! < 100, `activation and spawning took ${threadMs} ms of the extension host's thread`);
  } catch (error) {
    if (vscode) console.log(`# code-server output:\n${vscode.output().slice(-4000)}`);
    fs.mkdirSync(artifacts, { recursive: true });
    await browser
      ?.contexts()[0]
      ?.pages()[0]
      ?.screenshot({ path: path.join(artifacts, 'failure.png') })
      .catch(() => undefined);
    throw error;
  } finally {
    await browser?.close().catch(() => undefined);
    vscode?.stop();
    // The proxy stops by itself when its extension host goes; make sure of it.
    if (lastPid)
      await waitFor(
        'the proxy to stop',
        async () => processAlive(lastPid!),
        (alive) => !alive,
        10_000,
      ).catch(() => process.kill(lastPid!, 'SIGKILL'));
    await fake.close();
    await hub.close();
    await npm.close();
  }
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The Output channel's log file (a LogOutputChannel is written under the user data folder's logs). */
function findLog(dir: string): string | undefined {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.log')) continue;
    const text = fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
    if (text.includes('activated in')) return text;
  }
  return undefined;
}
