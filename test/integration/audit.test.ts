// The quality audit through the real proxy: the generated local model, loopback clouds, the ledger file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { AuditReport } from '../../proxy/audit/report.ts';
import type { AuditRow } from '../../proxy/audit/store.ts';
import { parseChatCompletionRequest } from '../../proxy/api/openai/chat-request.ts';
import { worstCaseCost } from '../../proxy/router/budget.ts';
import { Pricing } from '../../proxy/usage/pricing.ts';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import type { RecordedRequest } from '../support/sse.ts';
import { startTestProxy } from '../support/proxy.ts';
import { ensureTinyModel } from '../support/tiny-model.ts';

let openai: Awaited<ReturnType<typeof startFakeOpenAI>>;
let model: string;
const env = () => ({
  OPENAI_BASE_URL: `${openai.url}/v1`,
  OPENAI_API_KEY: 'k',
  TOKENWISE_LOCAL_MODEL: model,
  TOKENWISE_THREADS: '1',
  TOKENWISE_CONTEXT_SIZE: '256',
});
// An easy arithmetic question the shipped classifier sends to the local model.
const EASY = 'Solve: a train leaves at 3pm going 60 mph; when does it arrive 150 miles away?';
// Local at the shipped operating point, but close to it (gain 0.127 < 0.132): the first to go when it moves.
const BORDERLINE = 'What is the capital of France?';
const ask = (content: string) => ({
  model: 'auto',
  messages: [{ role: 'user' as const, content }],
  max_tokens: 12,
  temperature: 0,
});
const isJudge = (req: RecordedRequest) =>
  req.body?.messages?.[0]?.role === 'system' && /compare two answers/.test(req.body.messages[0].content);

/** The judge prefers whichever answer is the cloud's ("echo: …"): every local answer loses. */
function cloudWins(req: RecordedRequest) {
  if (!isJudge(req)) return { kind: 'echo' as const };
  const prompt = String(req.body.messages[1].content);
  return { kind: 'text' as const, text: /Answer A:\necho: /.test(prompt) ? 'A' : 'B' };
}

before(async () => {
  openai = await startFakeOpenAI();
  model = await ensureTinyModel();
});
after(() => openai.close());
beforeEach(() => openai.behave({ kind: 'echo' }));

async function report(tw: Awaited<ReturnType<typeof startTestProxy>>): Promise<AuditReport> {
  return (await (await tw.fetch('/tokenwise/audit')).json()) as AuditReport;
}

describe('audited answers', () => {
  let tw: Awaited<ReturnType<typeof startTestProxy>>;
  before(async () => {
    tw = await startTestProxy({
      env: env(),
      config: { audit: { share: 1, maxUsdPerDay: 1 }, local: { queueSize: 128 } },
    });
    await tw.proxy.local!.start();
  });
  after(() => tw.close());

  test('the caller gets the local answer unchanged, before the audit has its cloud answer', async () => {
    const forced = await tw.openai.chat.completions.create(ask(EASY), {
      headers: { 'x-tokenwise-route': 'local', 'x-tokenwise-cache': 'off' },
    });
    await tw.proxy.audit!.idle();
    const before = (await report(tw)).audited;
    assert.equal(before, 0, 'a forced tier is never audited');
    // The audit's cloud call takes 1.5 s; the caller must not wait for it.
    openai.behave({ kind: 'echo', delayMs: 1500 });
    const { data, response } = await tw.openai.chat.completions
      .create(ask(EASY), { headers: { 'x-tokenwise-cache': 'off' } })
      .withResponse();
    assert.equal(response.headers.get('x-tokenwise-route'), 'local');
    assert.match(response.headers.get('x-tokenwise-reason')!, /^audit: gain/);
    assert.equal(data.choices[0]!.message.content, forced.choices[0]!.message.content);
    assert.equal((await report(tw)).audited, 0, 'the audit had not finished when the answer arrived');
    await tw.proxy.audit!.idle();
    const after = await report(tw);
    assert.equal(after.audited, 1);
    const row = (await (await tw.fetch(`/tokenwise/audit/${after.disagreements[0]?.id ?? 1}`)).json()) as {
      localAnswer: string;
      cloudAnswer: string;
      route: string;
      bucket: string;
      costUsd: number;
    };
    assert.equal(row.route, 'local');
    assert.equal(row.localAnswer, data.choices[0]!.message.content);
    assert.ok(row.cloudAnswer.startsWith('echo: Solve: a train'), row.cloudAnswer);
    assert.match(row.bucket, /^math\/short\/no-tools\/single$/);
    assert.ok(row.costUsd > 0, 'the cloud answer and the judge cost money');
  });

  test('a cloud failure during an audit is recorded and never reaches the caller', async () => {
    openai.behave({ kind: 'error', status: 500 });
    const { response } = await tw.openai.chat.completions
      .create(ask(`${EASY} Twice.`), { headers: { 'x-tokenwise-cache': 'off' } })
      .withResponse();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-tokenwise-route'), 'local');
    await tw.proxy.audit!.idle();
    const latest = (await report(tw)).audited;
    const row = (await (await tw.fetch(`/tokenwise/audit/${latest}`)).json()) as {
      error: string;
      verdict: string | null;
    };
    assert.equal(row.verdict, null);
    assert.match(row.error, /server had an error/);
  });

  test('an audit that makes the local answer itself records its confidence; the gate floor is fitted from those', async () => {
    openai.behave(cloudWins);
    const { response } = await tw.openai.chat.completions
      .create(ask('prove that the sum of two odd numbers is even and write tested Python for it'), {
        headers: { 'x-tokenwise-cache': 'off' },
      })
      .withResponse();
    assert.equal(response.headers.get('x-tokenwise-route'), 'cloud');
    await tw.proxy.audit!.idle();
    const summary = await report(tw);
    const row = (await (await tw.fetch(`/tokenwise/audit/${summary.audited}`)).json()) as AuditRow;
    assert.equal(row.route, 'cloud');
    assert.equal(row.verdict, 'loss');
    assert.ok(
      row.localConfidence !== null && row.localConfidence > 0 && row.localConfidence <= 1,
      `confidence ${row.localConfidence}`,
    );
    // The answers the caller got from the local model were not scored: one scored audit, too few to fit a floor.
    assert.deepEqual(summary.confidenceFloor, { floor: null, samples: 1, kept: 0, qualityLow: null });
  });

  test('an unknown audit id is a 404 in the OpenAI error shape', async () => {
    const response = await tw.fetch('/tokenwise/audit/99999');
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'audit_not_found');
  });
});

test('under 100 concurrent requests the audit never spends past its daily cap', async () => {
  const pricing = new Pricing({ overrides: {}, localCostPerHour: 0 });
  const one = worstCaseCost(parseChatCompletionRequest(ask(`${EASY} 00`)), 'gpt-4o-mini', 'openai', pricing);
  // Room for about five audits' cloud answers (each also asks the judge).
  const cap = one * 5;
  const tw = await startTestProxy({
    env: env(),
    config: { audit: { share: 1, maxUsdPerDay: cap }, local: { queueSize: 128 } },
  });
  try {
    await tw.proxy.local!.start();
    openai.behave(cloudWins);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        tw.openai.chat.completions.create(ask(`${EASY} ${String(i).padStart(2, '0')}`)).withResponse(),
      ),
    );
    assert.ok(answers.every(({ response }) => response.status === 200));
    await tw.proxy.audit!.idle();
    const summary = await report(tw);
    assert.equal(
      summary.audited,
      answers.filter(
        ({ response }) =>
          response.headers.get('x-tokenwise-route') === 'local' ||
          /^audit/.test(response.headers.get('x-tokenwise-reason')!),
      ).length,
    );
    assert.ok(summary.spentTodayUsd > 0 && summary.spentTodayUsd <= cap, `spent ${summary.spentTodayUsd} of ${cap}`);
    assert.ok(summary.failed > 50, `most audits stopped at the cap (${summary.failed} of ${summary.audited})`);
    assert.ok(tw.proxy.audit!.spentToday() <= cap);
  } finally {
    await tw.close();
  }
});

test('audits that find the local model worse move the operating point, and a restart keeps it', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-audit-restart-'));
  const start = () =>
    startTestProxy({
      env: { ...env(), TOKENWISE_DATA_DIR: dataDir },
      config: { audit: { share: 1, maxUsdPerDay: 1 } },
    });
  try {
    const first = await start();
    await first.proxy.local!.start();
    openai.behave(cloudWins);
    const { response: before } = await first.openai.chat.completions.create(ask(BORDERLINE)).withResponse();
    assert.equal(before.headers.get('x-tokenwise-route'), 'local');
    for (let i = 0; i < 6; i++) await first.openai.chat.completions.create(ask(`${EASY} Case ${i}.`));
    await first.proxy.audit!.idle();
    const moved = await report(first);
    const prior = moved.operatingPoints.find((p) => p.group === 'prior')!;
    assert.ok(moved.judged >= 4, `judged ${moved.judged}`);
    assert.ok(moved.localAsGood.rate === 0 && moved.disagreements.length === moved.judged);
    assert.ok(prior.movedAt, 'the operating point moved');
    const { response } = await first.openai.chat.completions
      .create(ask(BORDERLINE), { headers: { 'x-tokenwise-cache': 'off' } })
      .withResponse();
    assert.equal(response.headers.get('x-tokenwise-route'), 'cloud');
    await first.proxy.audit!.idle();
    await first.proxy.close();

    const second = await start();
    await second.proxy.local!.start();
    // The calibration follows the model file: wait until the proxy has keyed it.
    while (second.proxy.audit!.modelKey === 'unknown') await new Promise((r) => setTimeout(r, 20));
    const again = await report(second);
    assert.equal(again.modelKey, moved.modelKey);
    assert.deepEqual(again.operatingPoints.find((p) => p.group === 'prior')!.threshold, prior.threshold);
    openai.behave({ kind: 'echo' });
    const { response: later } = await second.openai.chat.completions
      .create(ask(BORDERLINE), { headers: { 'x-tokenwise-cache': 'off' } })
      .withResponse();
    assert.equal(later.headers.get('x-tokenwise-route'), 'cloud');
    assert.match(later.headers.get('x-tokenwise-reason')!, /^audit: gain 0\.1\d+ >= /);
    await second.close();
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('with the gate left at `audit`, routed local answers face the floor the audits fitted; `off` keeps them local', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-audit-gate-'));
  const start = (confidenceFloor: 'audit' | 'off') =>
    startTestProxy({
      env: { ...env(), TOKENWISE_DATA_DIR: dataDir },
      config: { audit: { share: 1, maxUsdPerDay: 1 }, router: { confidenceFloor } },
    });
  try {
    const first = await start('audit');
    await first.proxy.local!.start();
    while (first.proxy.audit!.modelKey === 'unknown') await new Promise((r) => setTimeout(r, 20));
    openai.behave(cloudWins);
    // Code prompts stay on the cloud with no audits of their own; each audit makes (and scores) the local answer, and
    // the judge finds every local answer worse: no confidence holds the floor.
    for (let i = 0; i < 30; i++) {
      await first.openai.chat.completions.create(ask(`Write a tested Python function that returns ${i} squared.`), {
        headers: { 'x-tokenwise-cache': 'off' },
      });
      await first.proxy.audit!.idle();
    }
    assert.equal(first.proxy.audit!.confidenceFloor(), 1);
    openai.behave({ kind: 'echo' });
    const { response } = await first.openai.chat.completions
      .create(ask(EASY), { headers: { 'x-tokenwise-cache': 'off' } })
      .withResponse();
    assert.equal(response.headers.get('x-tokenwise-route'), 'cloud', 'the gate escalated the routed local answer');
    await first.proxy.audit!.idle();
    await first.close();

    const second = await start('off');
    await second.proxy.local!.start();
    while (second.proxy.audit!.modelKey === 'unknown') await new Promise((r) => setTimeout(r, 20));
    assert.equal(second.proxy.audit!.confidenceFloor(), 1, 'the fit is rebuilt from the ledger on restart');
    const { response: off } = await second.openai.chat.completions
      .create(ask(EASY), { headers: { 'x-tokenwise-cache': 'off' } })
      .withResponse();
    assert.equal(off.headers.get('x-tokenwise-route'), 'local');
    await second.close();
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
