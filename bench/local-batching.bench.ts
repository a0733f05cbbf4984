// Local model batching (`npm run bench -- local`): generated tokens per second with 1 (sequential), 2, 4 and 8
// requests at once, through the LocalProvider the proxy uses, on whatever llama.cpp backend is active (`gpu: auto`:
// CUDA, Vulkan or Metal when present, else the CPU). Concurrent requests decode on parallel sequences of one context
// in the same batch. Defaults: the generated tiny model on one thread; TOKENWISE_LOCAL_MODEL, TOKENWISE_GPU and
// TOKENWISE_THREADS override (bench/gpu-check.sh uses them).
import { collect, type ChatRequest } from '../proxy/chat.ts';
import { loadConfig } from '../proxy/config/load.ts';
import { LocalProvider } from '../proxy/providers/local/index.ts';
import { ensureTinyModel } from '../test/support/tiny-model.ts';

const MAX_TOKENS = 48;
const ROUNDS = 5;
const REQUESTS = 16;
const WIDTHS = [1, 2, 4, 8];
const env = process.env;
const config = loadConfig({
  env: {
    TOKENWISE_LOCAL_MODEL: env.TOKENWISE_LOCAL_MODEL || (await ensureTinyModel()),
    TOKENWISE_THREADS: env.TOKENWISE_THREADS || '1',
    TOKENWISE_CONTEXT_SIZE: '256',
    TOKENWISE_PARALLEL: '8',
    TOKENWISE_GPU: env.TOKENWISE_GPU || 'auto',
  },
});
const local = new LocalProvider(config.local);
await local.start();
if (local.health().state !== 'ready') throw new Error(`local model not ready: ${JSON.stringify(local.health())}`);

const request = (i: number): ChatRequest => ({
  model: 'local',
  messages: [{ role: 'user', content: [{ type: 'text', text: `Write something about number ${i}.` }] }],
  maxTokens: MAX_TOKENS,
  temperature: 0,
  stream: false,
});
const signal = new AbortController().signal;
const generate = async (i: number) => (await collect(local.chat(request(i), 'local', signal))).usage.outputTokens;

/** Tokens per second over REQUESTS requests sent `n` at a time (1: one after another). */
async function rate(n: number): Promise<number> {
  const started = performance.now();
  let tokens = 0;
  for (let wave = 0; wave < REQUESTS / n; wave++)
    tokens += (await Promise.all(Array.from({ length: n }, (_, i) => generate(wave * n + i)))).reduce(
      (a, b) => a + b,
      0,
    );
  return (tokens / (performance.now() - started)) * 1000;
}

await rate(8); // warm-up
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const runs = new Map<number, number[]>(WIDTHS.map((n) => [n, []]));
// Alternate the widths round by round, so machine noise moves them alike.
for (let round = 0; round < ROUNDS; round++) for (const n of WIDTHS) runs.get(n)!.push(await rate(n));
const sequential = median(runs.get(1)!);
const active = local.health().backends!.active!;
const results: Record<string, string> = {
  backend: `${active.backend}${active.devices.length ? ` (${active.devices.join(', ')})` : ''}, ${active.gpuLayers} of ${active.totalLayers} layers on the GPU`,
  'sequential (1 at a time), tokens/s': sequential.toFixed(0),
};
for (const n of WIDTHS.slice(1))
  results[`${n} at once, tokens/s (× sequential)`] =
    `${median(runs.get(n)!).toFixed(0)} (${(median(runs.get(n)!) / sequential).toFixed(2)}×)`;
results['batching gain at 4 sequences'] = `${(median(runs.get(4)!) / sequential).toFixed(2)}×`;
await local.close();

console.log(
  JSON.stringify({
    name: 'Local model batching',
    results,
    notes: `${env.TOKENWISE_LOCAL_MODEL ? env.TOKENWISE_LOCAL_MODEL : 'Generated llama-architecture GGUF (test/support/tiny-model.ts)'}, ${config.local.threads} thread(s), ${REQUESTS} requests of up to ${MAX_TOKENS} tokens at temperature 0 per measurement, local.parallel 8; median of ${ROUNDS} rounds alternating the widths.`,
  }),
);
