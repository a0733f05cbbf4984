import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage } from '../../proxy/chat.ts';
import { DifficultyClassifier } from '../../proxy/router/classifier.ts';
import { fitDifficulty, type TrainingExample } from '../../proxy/eval/training/difficulty-fit.ts';
import { promptWords } from '../../proxy/router/prompt-terms.ts';
import { fitRidge } from '../../proxy/eval/training/ridge.ts';

const ask = (text: string): ChatMessage[] => [{ role: 'user', content: [{ type: 'text', text }] }];
const example = (text: string, topic: string, strong: number, weak: number): TrainingExample => ({
  messages: ask(text),
  topic,
  strong,
  weak,
});

const countries = [
  'France',
  'Chile',
  'Kenya',
  'Norway',
  'Japan',
  'Egypt',
  'Canada',
  'Brazil',
  'India',
  'Spain',
  'Ghana',
  'Nepal',
  'Peru',
  'Laos',
  'Mali',
  'Fiji',
  'Iran',
  'Cuba',
  'Oman',
  'Chad',
];
// Geography: only the cloud model gets it right. Arithmetic: both do. A perfectly separable toy set.
const toy = [
  ...countries
    .slice(1)
    .map((c) => example(`Which city is the capital of ${c}? Name the capital city.`, 'geography', 1, 0)),
  ...countries
    .slice(1)
    .map((_, i) => example(`What is ${i + 3} plus ${2 * i + 1}? Add the numbers.`, 'arithmetic', 1, 1)),
];

test('a separable toy set is learned: the topic the local model fails goes to the cloud, the other stays local', () => {
  const classifier = new DifficultyClassifier(fitDifficulty(toy, { seed: 1 }));
  const hard = classifier.decide(ask('Which city is the capital of France? Name the capital city.'));
  const easy = classifier.decide(ask('What is 40 plus 2? Add the numbers.'));
  assert.equal(hard.topic, 'geography');
  assert.equal(easy.topic, 'arithmetic');
  assert.ok(hard.gain > 0.7 && easy.gain < 0.2, `gains ${hard.gain} ${easy.gain}`);
  assert.equal(hard.target, 'cloud');
  assert.equal(easy.target, 'local');
  assert.match(hard.reason, /^classifier: gain 0\.\d+ ≥ .* \(near geography\)$/);
});

test('calibration: the quality floor and cloud-share operating points, and the all-local / all-cloud ends', () => {
  const weights = fitDifficulty(toy, { seed: 1 });
  const classifier = new DifficultyClassifier(weights);
  // Half the toy prompts need the cloud: 50% cloud calls keeps all the quality.
  const half = weights.calibration[50]!;
  assert.equal(half.cloudShare, 0.5);
  assert.ok(Math.abs(half.quality - 1) < 1e-9);
  assert.ok(Math.abs(weights.calibration[0]!.quality - 0.5) < 1e-9);
  assert.equal(classifier.threshold({ cloudShare: 0 }), Infinity);
  assert.equal(classifier.threshold({ cloudShare: 1 }), -Infinity);
  const gain = (text: string) => classifier.assess(ask(text)).gain;
  const threshold = classifier.threshold({ qualityFloor: 0.99 });
  assert.ok(gain('Which city is the capital of Peru? Name the capital city.') >= threshold);
  assert.ok(gain('What is 7 plus 9? Add the numbers.') < threshold);
  assert.ok(classifier.threshold({ cloudShare: 0.2 }) >= classifier.threshold({ cloudShare: 0.8 }));
});

test('inside one topic, the words that mark the hard prompts are learned', () => {
  const subjects = [
    'groups',
    'rings',
    'fields',
    'graphs',
    'primes',
    'series',
    'limits',
    'vectors',
    'sets',
    'knots',
    'lattices',
    'codes',
  ];
  const mixed = subjects.flatMap((s) => [
    example(`Prove rigorously the main theorem about ${s}.`, 'maths', 1, 0),
    example(`Describe briefly what ${s} are.`, 'maths', 1, 1),
  ]);
  const classifier = new DifficultyClassifier(fitDifficulty(mixed, { seed: 3 }));
  const prove = classifier.assess(ask('Prove rigorously the main theorem about matrices.')).gain;
  const describe = classifier.assess(ask('Describe briefly what matrices are.')).gain;
  assert.ok(prove - describe > 0.3, `prove ${prove}, describe ${describe}`);
});

test('training is deterministic, and a prompt of unseen words still gets a finite gain', () => {
  assert.equal(JSON.stringify(fitDifficulty(toy, { seed: 5 })), JSON.stringify(fitDifficulty(toy, { seed: 5 })));
  const assessment = new DifficultyClassifier(fitDifficulty(toy, { seed: 5 })).assess(ask('zzz qqq'));
  assert.ok(Number.isFinite(assessment.gain));
  assert.ok(['geography', 'arithmetic'].includes(assessment.topic));
  assert.ok(Number.isFinite(new DifficultyClassifier(fitDifficulty(toy, { seed: 5 })).assess([]).gain));
});

test('a long prompt is read at both ends, and its length extrapolated', () => {
  const middle = 'filler '.repeat(5000);
  const { words, length } = promptWords(`opening question ${middle} closing question`);
  assert.equal(words[0], 'opening');
  assert.equal(words.at(-1), 'question');
  assert.ok(words.length < 1000);
  assert.ok(Math.abs(length - 5004) / 5004 < 0.05, `length ${length}`);
});

test('ridge regression matches the closed form', () => {
  // X = [[1,0],[0,2],[1,1]], y = [1,2,3], λ = 0.5: (XᵀX + λI)w = Xᵀy → [[2.5,1],[1,5.5]]w = [4,7].
  const w = fitRidge(
    [
      { index: [0], value: [1] },
      { index: [1], value: [2] },
      { index: [0, 1], value: [1, 1] },
    ],
    [1, 2, 3],
    2,
    { lambda: 0.5 },
  );
  const det = 2.5 * 5.5 - 1;
  assert.ok(Math.abs(w[0]! - (4 * 5.5 - 7) / det) < 1e-9);
  assert.ok(Math.abs(w[1]! - (2.5 * 7 - 4) / det) < 1e-9);
});
