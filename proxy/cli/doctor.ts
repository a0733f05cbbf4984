/**
 * @module `tokenwise doctor [--json]`: what the local model runs on — backend, device, VRAM, layers offloaded, context
 * size — and its measured prompt and generation speed. Asks the running proxy (its model is already loaded, and a
 * second copy might not fit the card); with no proxy running, loads the model here, without downloading it.
 */
import type { DoctorReport } from '../../shared/llama-backends.ts';
import type { Config } from '../config/schema.ts';
import { LocalProvider } from '../providers/index.ts';
import { CliError } from './args.ts';
import { callRunningProxy } from './running-proxy.ts';

/** A doctor run measures a few hundred tokens: minutes only on a CPU-only machine with a large model. */
const DOCTOR_TIMEOUT_MS = 300_000;

/** The diagnosis, from the running proxy or from a model loaded here; `source` says which. */
export async function diagnose(config: Config): Promise<{ report: DoctorReport; source: string }> {
  const running = await callRunningProxy<{ status?: string }>(config, 'GET', '/tokenwise/health');
  if (running?.body.status === 'ok') {
    const answer = await callRunningProxy<DoctorReport & { error?: { message: string } }>(
      config,
      'GET',
      '/tokenwise/doctor',
      DOCTOR_TIMEOUT_MS,
    );
    if (!answer)
      throw new CliError(
        `the proxy on port ${config.port} did not answer the diagnosis within ${DOCTOR_TIMEOUT_MS / 1000} s`,
      );
    if (answer.status !== 200)
      throw new CliError(`the proxy on port ${config.port}: ${answer.body.error?.message ?? `HTTP ${answer.status}`}`);
    return { report: answer.body, source: `the running proxy on port ${config.port}` };
  }
  if (config.local.model === 'off')
    throw new CliError('the local model is off (local.model = "off"): nothing to diagnose');
  const local = new LocalProvider({ ...config.local, download: false });
  await local.start();
  try {
    const health = local.health();
    if (health.state !== 'ready') throw new CliError(`the local model cannot load: ${health.detail ?? health.state}`);
    return {
      report: await local.diagnose(new AbortController().signal),
      source: 'a model loaded by this command (no proxy running)',
    };
  } finally {
    await local.close();
  }
}

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;

/** The report as aligned lines for a terminal. */
export function formatDoctor({ report, source }: { report: DoctorReport; source: string }): string {
  const { active, usable, downloadable, gpus, locations } = report.backends;
  const rows: [string, string][] = [
    ['model', `${report.model} (${report.modelPath})`],
    ['backend', `${active.backend} (usable here: ${usable.join(', ')})`],
    ['device', active.devices.length ? active.devices.join(', ') : 'CPU'],
    [
      'VRAM',
      active.vram.totalBytes ? `${gb(active.vram.freeBytes)} free of ${gb(active.vram.totalBytes)}` : 'none in use',
    ],
    ['layers on GPU', `${active.gpuLayers} of ${active.totalLayers}`],
    ['context', `${active.contextSize} tokens × ${active.sequences} sequences`],
    ['prompt', `${report.speed.promptTokensPerSecond.toFixed(0)} tokens/s (${report.speed.promptTokens} tokens)`],
    [
      'generation',
      `${report.speed.generationTokensPerSecond.toFixed(1)} tokens/s (${report.speed.generatedTokens} tokens)`,
    ],
  ];
  for (const gpu of gpus)
    rows.push([
      'GPU',
      `${gpu.name}${gpu.freeVramBytes !== undefined && gpu.totalVramBytes ? ` (${gb(gpu.freeVramBytes)} free of ${gb(gpu.totalVramBytes)})` : ''}`,
    ]);
  for (const [name, dir] of Object.entries(locations)) rows.push(['installed', `${name} in ${dir}`]);
  for (const offer of downloadable)
    rows.push([
      'downloadable',
      `${offer.backend}: ${offer.packages.join(' + ')} — in VS Code run "Tokenwise: Enable GPU acceleration"`,
    ]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return `Tokenwise doctor — measured by ${source}\n${rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n')}\n`;
}
