// Router decision latency: signals + rules + classifier for each prompt of the routing dev sets (or, without them,
// a synthetic mix), measured per call in this process.
import fs from 'node:fs';
import path from 'node:path';
import type { ChatRequest } from '../proxy/chat.ts';
import { DifficultyClassifier, type DifficultyWeights } from '../proxy/router/classifier.ts';
import { matchRule, type RouteRule } from '../proxy/router/rule-table.ts';
import { readSignals } from '../proxy/router/signals.ts';
import { percentile } from './support/load.ts';

const weights = (await import('../proxy/router/difficulty-weights.json', { with: { type: 'json' } }))
  .default as unknown as DifficultyWeights;
const classifier = new DifficultyClassifier(weights);
const rules: RouteRule[] = [
  { name: 'images', when: { images: { min: 1 } }, route: 'cloud' },
  { name: 'code', when: { codeBlocks: { min: 1 } }, route: 'cloud' },
];

const dir = path.resolve(import.meta.dirname, '../../shared/data/routing');
const prompts: string[] = fs.existsSync(dir)
  ? fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) =>
        fs
          .readFileSync(path.join(dir, f), 'utf8')
          .trim()
          .split('\n')
          .map((line) => (JSON.parse(line) as { messages: { content: string }[] }).messages.at(-1)!.content),
      )
  : Array.from(
      { length: 2000 },
      (_, i) => `Question ${i}: ${'explain the trade-offs of this design step by step '.repeat(1 + (i % 20))}`,
    );

const requests: ChatRequest[] = prompts.map((text) => ({
  model: 'auto',
  stream: false,
  messages: [{ role: 'user', content: [{ type: 'text', text }] }],
}));
for (const request of requests.slice(0, 500)) classifier.decide(request.messages); // warm-up
const times: number[] = [];
for (const request of requests) {
  const started = performance.now();
  readSignals(request);
  matchRule(rules, request, 'bench');
  classifier.decide(request.messages);
  times.push(performance.now() - started);
}
console.log(
  JSON.stringify({
    name: 'Router decision',
    results: {
      prompts: String(requests.length),
      'p50, ms': percentile(times, 50).toFixed(3),
      'p99, ms': percentile(times, 99).toFixed(3),
      'max, ms': Math.max(...times).toFixed(3),
    },
    notes:
      'Signals, a two-rule table and the shipped classifier, per request, on the last user message of every routing dev prompt; no network.',
  }),
);
