/**
 * @module Which llama.cpp backends this machine can use. node-llama-cpp's own check (`getLlamaGpuTypes`) says which
 * GPU drivers are present; a backend whose prebuilt package does not resolve is "downloadable" (the .vsix carries
 * only the CPU build). Packages installed outside node_modules — the extension puts them in its global storage —
 * are found through a module resolution hook, so node-llama-cpp's own `import("@node-llama-cpp/…")` loads them.
 */
import { execFile } from 'node:child_process';
import { register } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  backendPackages,
  type BackendReport,
  type GpuBackend,
  type GpuDevice,
  type LlamaBackend,
} from '../../../shared/llama-backends.ts';

/** Resolves `@node-llama-cpp/*` normally first, then from the backends folder. Runs on the loader thread. */
const RESOLVE_HOOK = `
let parentURL;
export function initialize(data) { parentURL = data.parentURL; }
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (!specifier.startsWith('@node-llama-cpp/')) throw error;
    return next(specifier, { ...context, parentURL });
  }
}`;

const registered = new Set<string>();

/**
 * Lets `@node-llama-cpp/*` packages resolve from `dir/node_modules` when they are not installed beside
 * node-llama-cpp. Call before the first `getLlama`; once per folder.
 */
export function resolveBackendsFrom(dir: string): void {
  const parentURL = pathToFileURL(path.join(path.resolve(dir), 'backends.js')).href;
  if (registered.has(parentURL)) return;
  registered.add(parentURL);
  register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`, { data: { parentURL } });
}

/** The folder a package resolves to, or undefined when it is not installed. */
function packageLocation(name: string): string | undefined {
  try {
    const entry = fileURLToPath(import.meta.resolve(name));
    const marker = `${path.sep}node_modules${path.sep}${name.split('/').join(path.sep)}${path.sep}`;
    const at = entry.lastIndexOf(marker);
    return at >= 0 ? entry.slice(0, at + marker.length - 1) : path.dirname(entry);
  } catch {
    return undefined;
  }
}

const MIB = 1024 * 1024;

/** NVIDIA cards with their VRAM, from nvidia-smi (bounded: at most 3 s); none when it is missing or fails. */
export function nvidiaGpus(timeoutMs = 3_000): Promise<GpuDevice[]> {
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=name,memory.total,memory.free', '--format=csv,noheader,nounits'],
      { timeout: timeoutMs, windowsHide: true },
      (error, stdout) => {
        if (error) return resolve([]);
        resolve(
          stdout.split('\n').flatMap((line) => {
            const [name, total, free] = line.split(',').map((s) => s.trim());
            return name
              ? [
                  {
                    name,
                    ...(Number(total) >= 0 ? { totalVramBytes: Number(total) * MIB } : {}),
                    ...(Number(free) >= 0 ? { freeVramBytes: Number(free) * MIB } : {}),
                  },
                ]
              : [];
          }),
        );
      },
    );
  });
}

/**
 * The backends usable now and those a download would enable, with the cards found. "Present" is node-llama-cpp's
 * rule for `gpu: "auto"`: CUDA needs the NVIDIA driver and the CUDA runtime libraries, Vulkan its loader library.
 */
export async function detectBackends(): Promise<BackendReport> {
  const { getLlamaGpuTypes } = await import('node-llama-cpp');
  const present = (await getLlamaGpuTypes('supported')).filter((gpu): gpu is GpuBackend => gpu !== false);
  const usable: LlamaBackend[] = [];
  const downloadable: BackendReport['downloadable'] = [];
  const locations: Record<string, string> = {};
  for (const backend of present) {
    const packages = backendPackages(backend);
    if (!packages.length) continue;
    const found = packages.map((name) => [name, packageLocation(name)] as const);
    for (const [name, dir] of found) if (dir) locations[name] = dir;
    if (found.every(([, dir]) => dir)) usable.push(backend);
    else downloadable.push({ backend, packages });
  }
  usable.push('cpu');
  // An NVIDIA card with the driver but no CUDA runtime is served by Vulkan: ask nvidia-smi whenever any GPU is there.
  return { usable, downloadable, gpus: present.length ? await nvidiaGpus() : [], locations };
}
