// Preloaded into the proxy by the soak bench (`node --import ./bench/support/loop-probe.js …`): every
// TOKENWISE_PROBE_EVERY_MS prints one stdout line `probe {rssMb, loopP50Ms, loopP99Ms, loopMaxMs, warm}` read from
// inside the process. The event-loop histogram restarts once TOKENWISE_PROBE_WARMUP_MS has passed, so the figures
// printed after that (`warm: true`) cover the steady state only.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const every = Number(process.env.TOKENWISE_PROBE_EVERY_MS ?? 5000);
const warmupMs = Number(process.env.TOKENWISE_PROBE_WARMUP_MS ?? 60_000);
const started = Date.now();
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
let warm = false;
const ms = (ns) => Number((ns / 1e6).toFixed(2));

setInterval(() => {
  const sample = {
    rssMb: Number((process.memoryUsage.rss() / 2 ** 20).toFixed(1)),
    loopP50Ms: ms(delay.percentile(50)),
    loopP99Ms: ms(delay.percentile(99)),
    loopMaxMs: ms(delay.max),
    warm,
  };
  process.stdout.write(`probe ${JSON.stringify(sample)}\n`);
  if (!warm && Date.now() - started >= warmupMs) {
    warm = true;
    delay.reset();
  }
}, every).unref();
