/**
 * @module `npm run train:router`: trains the difficulty classifier on the routing dev data in ../shared/data/routing
 * (beside the repository, never copied into it) and writes proxy/router/difficulty-weights.json. Same data, same
 * file: training is seeded and deterministic.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DifficultyClassifier, SHIPPED_WEIGHTS } from '../../router/classifier.ts';
import { fitDifficulty } from './difficulty-fit.ts';
import { chatMessagesOf, loadRoutingRecords } from './routing-data.ts';

const DATA_DIR = path.resolve(import.meta.dirname, '../../../../shared/data/routing');
const SEED = 0;
/** Four significant digits change no decision measurably and keep the file small. */
const DIGITS = 4;

const files = readdirSync(DATA_DIR)
  .filter((name) => /\.dev(\.\d+)?\.jsonl$/.test(name))
  .sort();
if (!files.length) throw new Error(`no routing data (*.dev*.jsonl) in ${DATA_DIR}`);
const started = performance.now();
const records = loadRoutingRecords(files.map((name) => path.join(DATA_DIR, name)));
const weights = fitDifficulty(
  records.map((r) => ({ messages: chatMessagesOf(r), topic: r.source, strong: r.strong.score, weak: r.weak.score })),
  { seed: SEED, files },
);

const round = (_key: string, value: unknown) => (typeof value === 'number' ? Number(value.toPrecision(DIGITS)) : value);
// One top-level field a line, so a retrain's diff says which part changed.
const text = `{\n${Object.entries(weights)
  .map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value, round)}`)
  .join(',\n')}\n}\n`;
writeFileSync(SHIPPED_WEIGHTS, text);

const threshold = new DifficultyClassifier(weights).threshold();
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `trained on ${records.length} records (${files.join(', ')}) in ${seconds} s: ${weights.topics.length} topics, ${weights.words.length} words; ` +
    `${path.relative(process.cwd(), SHIPPED_WEIGHTS)} ${(text.length / 1024).toFixed(0)} KB; ` +
    `operating point ${JSON.stringify(weights.operatingPoint)} → cloud when gain ≥ ${threshold.toFixed(4)}`,
);
