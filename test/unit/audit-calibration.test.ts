import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditBucket, bucketKey, calibrationGroup } from '../../proxy/audit/buckets.ts';
import { Calibration, DEFAULT_MIN_SAMPLES } from '../../proxy/audit/calibration.ts';
import { AuditSpendCap } from '../../proxy/audit/spend-cap.ts';
import { seededRandom, wilson } from '../../proxy/audit/stats.ts';
import type { CalibrationPoint } from '../../proxy/router/classifier.ts';
import { readSignals } from '../../proxy/router/signals.ts';

// A classifier's table: gains spread 0..1; sending the top k% to the cloud keeps 0.8 + 0.2·k of the quality.
const table: CalibrationPoint[] = Array.from({ length: 101 }, (_, i) => {
  const cloudShare = i / 100;
  return { cloudShare, threshold: i === 0 || i === 100 ? null : 1 - cloudShare, quality: 0.8 + 0.2 * cloudShare };
});

test('with no audits the classifier table stands for known prompts; code, proofs and tools stay in the cloud', () => {
  const calibration = new Calibration(table, { floor: 0.95 });
  const prior = calibration.point('prior');
  // Quality 0.95 needs 75% of prompts in the cloud: the prompts below gain 0.25 go local.
  assert.ok(Math.abs(prior.threshold - 0.25) < 1e-9, `threshold ${prior.threshold}`);
  assert.ok(calibration.allowsLocal('prior', 0.1));
  assert.ok(!calibration.allowsLocal('prior', 0.3));
  for (const group of ['code', 'proof', 'tools'] as const) {
    assert.equal(calibration.point(group).threshold, -Infinity);
    assert.ok(!calibration.allowsLocal(group, -5));
  }
});

test('audits showing a weaker local model than the classifier expects move the threshold toward the cloud', () => {
  const calibration = new Calibration(table, { floor: 0.95 });
  const random = seededRandom(3);
  let moved = 0;
  // The classifier expects a loss of `gain`; this local model loses 0.4 more on every prompt.
  for (let i = 0; i < 200; i++) {
    const gain = random() * 0.5;
    const local = random() < 1 - gain - 0.4 ? 1 : 0;
    if (calibration.add({ gain, group: 'prior', localScore: local, cloudScore: 1 })) moved++;
  }
  const point = calibration.point('prior');
  assert.ok(moved >= 1);
  assert.ok(point.threshold < 0.2, `threshold ${point.threshold}`);
  assert.ok(point.qualityLow >= 0.95);
  assert.equal(point.samples, 200);
});

test('audits that agree with the classifier leave the threshold where its table puts it', () => {
  const calibration = new Calibration(table, { floor: 0.95 });
  const random = seededRandom(5);
  for (let i = 0; i < 300; i++) {
    const gain = random() * 0.5;
    calibration.add({ gain, group: 'prior', localScore: random() < 1 - gain ? 1 : 0, cloudScore: 1 });
  }
  assert.ok(Math.abs(calibration.point('prior').threshold - 0.25) < 1e-9);
});

test('audits showing a local model better than the classifier expects move the threshold toward local, at 99%', () => {
  const calibration = new Calibration(table, { floor: 0.95 });
  const random = seededRandom(9);
  // The classifier expects a loss of `gain`; this local model loses one answer in a hundred below gain 0.45.
  for (let i = 0; i < 300; i++) {
    const gain = random() * 0.5;
    calibration.add({ gain, group: 'prior', localScore: gain < 0.45 && random() < 0.99 ? 1 : 0, cloudScore: 1 });
  }
  const point = calibration.point('prior');
  assert.ok(point.threshold > 0.3 && point.threshold <= 0.45, `threshold ${point.threshold}`);
  assert.ok(point.qualityLow >= 0.95);
  // Thirty audits, each a win for the local model, are not enough to overrule the table at 99%.
  const few = new Calibration(table, { floor: 0.95 });
  for (let i = 0; i < 30; i++)
    few.add({ gain: 0.4 + i / 1000, group: 'prior', localScore: i % 10 ? 1 : 0, cloudScore: 1 });
  assert.ok(Math.abs(few.point('prior').threshold - 0.25) < 1e-9, `threshold ${few.point('prior').threshold}`);
});

test('a group without prior goes local only after enough audits of its own hold the floor', () => {
  const calibration = new Calibration(table, { floor: 0.95 });
  for (let i = 0; i < DEFAULT_MIN_SAMPLES - 1; i++)
    calibration.add({ gain: 0.1, group: 'code', localScore: 1, cloudScore: 1 });
  assert.equal(calibration.point('code').threshold, -Infinity);
  for (let i = 0; i < 40; i++) calibration.add({ gain: 0.1, group: 'code', localScore: 1, cloudScore: 1 });
  assert.ok(calibration.allowsLocal('code', 0.1));
  // The same volume of audits where the local model is usually worse keeps the group in the cloud.
  const worse = new Calibration(table, { floor: 0.95 });
  for (let i = 0; i < 70; i++) worse.add({ gain: 0.1, group: 'tools', localScore: i % 3 ? 1 : 0, cloudScore: 1 });
  assert.ok(!worse.allowsLocal('tools', 0.1));
  // Nor does a lower gain than any audit saw: no evidence speaks for it.
  assert.ok(!worse.allowsLocal('tools', 0.01));
});

test("buckets: the issue's proof-and-tested-Python prompt is a code prompt; a plain question is not", () => {
  const ask = (text: string) => {
    const request = {
      model: 'auto',
      messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text }] }],
      stream: false,
    };
    return auditBucket(readSignals(request), text);
  };
  const proof = ask('prove that the sum of two odd numbers is even and write tested Python for it');
  assert.equal(proof.topic, 'code');
  assert.equal(calibrationGroup(proof), 'code');
  assert.equal(calibrationGroup(ask('Prove that the square root of 2 is irrational.')), 'proof');
  const plain = ask('What is the capital of France?');
  assert.equal(calibrationGroup(plain), 'prior');
  assert.equal(bucketKey(plain), 'general/short/no-tools/single');
});

test('Wilson interval: bounds a rate, narrows with trials, and is [0, 1] with none', () => {
  assert.deepEqual(wilson(0, 0), { low: 0, high: 1 });
  const few = wilson(9, 10),
    many = wilson(900, 1000);
  assert.ok(few.low < 0.9 && few.high > 0.9);
  assert.ok(many.high - many.low < few.high - few.low);
  assert.ok(wilson(10, 10).high === 1 && wilson(10, 10).low > 0.8);
});

test('spend cap: 100 concurrent reservations never pass the daily cap; settling frees the unused part; a new day starts at 0', async () => {
  let now = new Date(2026, 0, 1, 12);
  const cap = new AuditSpendCap(0.05, 0.01, () => now);
  const granted = await Promise.all(Array.from({ length: 100 }, async () => cap.reserve(0.001)));
  assert.equal(granted.filter(Boolean).length, 40);
  assert.ok(cap.spentToday() <= 0.05 + 1e-12);
  for (const r of granted) r?.settle(0.0005);
  assert.ok(Math.abs(cap.spentToday() - 0.03) < 1e-9);
  assert.ok(cap.reserve(0.02), 'room freed by settling is usable again');
  assert.equal(cap.reserve(0.001), undefined);
  assert.ok(cap.reserve(0), 'a free audit is always allowed');
  now = new Date(2026, 0, 2, 0, 1);
  assert.equal(cap.spentToday(), 0);
  assert.ok(cap.reserve(0.04));
});

test('structured answers compare exactly: letters, numbers, JSON, JavaScript; prose needs the judge', async () => {
  const { compareStructured } = await import('../../proxy/audit/answers.ts');
  const { judgeExactly, readVerdict, judgeRequest, RUBRIC_VERSION } = await import('../../proxy/audit/judge.ts');
  assert.deepEqual(compareStructured('B', 'The answer is B.'), { kind: 'choice', same: true });
  assert.deepEqual(compareStructured('(C) because…', 'Answer: D'), { kind: 'choice', same: false });
  assert.deepEqual(compareStructured('She pays 1,200 dollars in all. #### 1200', 'The total is = 1200.0'), {
    kind: 'number',
    same: true,
  });
  assert.deepEqual(compareStructured('{"b": 1, "a": [2]}', '```json\n{"a":[2],"b":1}\n```'), {
    kind: 'json',
    same: true,
  });
  assert.deepEqual(compareStructured('```js\nconst x = 1;\n```', '```js\nconst  x = 1;\n```'), {
    kind: 'code',
    same: true,
  });
  assert.equal(
    compareStructured('```js\nconst = ;\n```', '```js\nconst x = 1;\n```'),
    undefined,
    'code that does not parse is not structured',
  );
  assert.equal(compareStructured('Paris is the capital, known for art.', 'It is Paris.'), undefined);
  assert.deepEqual(judgeExactly('42', '41'), { method: 'exact/number', verdict: 'loss', localScore: 0, cloudScore: 1 });
  assert.equal(judgeExactly('```js\nconst x = 1;\n```', '```js\nconst  x = 1;\n```')!.verdict, 'tie');
  assert.equal(
    judgeExactly('```js\nconst sum = (a, b) => a + b;\n```', '```js\nfunction sum(a, b) { return a + b; }\n```'),
    undefined,
    'different programs go to the pairwise judge',
  );
  // The judge's letter maps back through the drawn order; anything but a first-word verdict is none.
  assert.equal(readVerdict('A', true)!.verdict, 'win');
  assert.equal(readVerdict('A', false)!.verdict, 'loss');
  assert.equal(readVerdict('tie.', false)!.verdict, 'tie');
  assert.equal(readVerdict('Answer A is better', true), undefined);
  const request = {
    model: 'auto',
    stream: false,
    messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Why is the sky blue?' }] }],
  };
  const asked = judgeRequest(request, 'local says', 'cloud says', false, 'gpt-4o-mini');
  const text = asked.messages[1]!.content[0]!.type === 'text' ? asked.messages[1]!.content[0]!.text : '';
  assert.ok(text.indexOf('cloud says') < text.indexOf('local says'));
  assert.equal(RUBRIC_VERSION, 'pairwise/1');
});

test("auto with no audit data: the issue's proof-and-Python prompt goes to the cloud; a plain easy one stays local", async () => {
  const { shippedClassifier } = await import('../../proxy/router/classifier.ts');
  const { routeRequest } = await import('../../proxy/router/policy.ts');
  const { calibratedVerdict } = await import('../../proxy/audit/route.ts');
  const classifier = await shippedClassifier();
  const calibration = new Calibration(classifier.weights.calibration, { floor: 0.95 });
  const provider = (name: string, kind: 'local' | 'openai') => ({
    name,
    kind,
    chat: () => {
      throw new Error('not called');
    },
    health: () => ({ state: 'ready' as const }),
    models: () => (kind === 'openai' ? ['gpt-4o-mini'] : []),
  });
  const catalog = {
    local: provider('local', 'local'),
    cloud: new Map([['openai', { provider: provider('openai', 'openai'), configured: true }]]),
    defaultCloudModel: 'gpt-4o-mini',
  };
  const ask = (text: string) => ({
    model: 'auto',
    stream: false,
    messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text }] }],
  });
  const plain = { rules: [], classifier, allowDowngrade: false };
  const audited = {
    ...plain,
    calibrate: (request: Parameters<typeof calibratedVerdict>[1], verdict: Parameters<typeof calibratedVerdict>[2]) =>
      calibratedVerdict(calibration, request, verdict),
  };
  const proof = ask('prove that the sum of two odd numbers is even and write tested Python for it');
  assert.equal(
    routeRequest(proof, catalog, plain, undefined).target,
    'local',
    'the classifier alone sends it local (the issue)',
  );
  const decision = routeRequest(proof, catalog, audited, undefined);
  assert.equal(decision.target, 'cloud');
  assert.match(decision.reason, /^audit: code prompt, no audits yet: cloud until audits show/);
  const easy = routeRequest(
    ask('Solve: a train leaves at 3pm going 60 mph; when does it arrive 150 miles away?'),
    catalog,
    audited,
    undefined,
  );
  assert.equal(easy.target, 'local');
  // The shipped classifier's own threshold stands until audits say otherwise.
  const threshold = classifier.threshold().toFixed(3).replace('.', '\\.');
  assert.match(easy.reason, new RegExp(`^audit: gain -0\\.0\\d+ < ${threshold} \\(near gsm8k; no audits yet`));
});
