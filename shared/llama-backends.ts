/**
 * @module The llama.cpp builds node-llama-cpp ships as prebuilt npm packages, per platform: which one is the CPU (or
 * Metal) build every install carries, and which packages a GPU backend needs (the CUDA build needs its `-ext`
 * companion, which holds the CUDA runtime). The proxy reports backends in these words; the extension installs these
 * packages; the .vsix packager stages the CPU builds. Also the shape of the proxy's backend report.
 */

export type GpuBackend = 'cuda' | 'vulkan' | 'metal';
export type LlamaBackend = GpuBackend | 'cpu';

/** node-llama-cpp's platform word for a Node platform and arch: `linux-x64`, `mac-arm64`, `win-x64`. */
export function llamaPlatform(platform: string = process.platform, arch: string = process.arch): string {
  return `${{ win32: 'win', darwin: 'mac' }[platform] ?? platform}-${arch}`;
}

/** The package of the build every install carries: CPU, or Metal on Apple Silicon. */
export function baseBackendPackage(platform: string = process.platform, arch: string = process.arch): string {
  const name = llamaPlatform(platform, arch);
  return `@node-llama-cpp/${name === 'mac-arm64' ? 'mac-arm64-metal' : name}`;
}

/** The packages a GPU backend needs on this platform; empty when node-llama-cpp has no prebuilt build of it here. */
export function backendPackages(
  gpu: GpuBackend,
  platform: string = process.platform,
  arch: string = process.arch,
): string[] {
  const name = llamaPlatform(platform, arch);
  if (gpu === 'metal') return name === 'mac-arm64' ? [baseBackendPackage(platform, arch)] : [];
  if (name !== 'linux-x64' && name !== 'win-x64') return [];
  return gpu === 'cuda'
    ? [`@node-llama-cpp/${name}-cuda`, `@node-llama-cpp/${name}-cuda-ext`]
    : [`@node-llama-cpp/${name}-vulkan`];
}

/** A graphics card as the driver's own tool reports it. */
export interface GpuDevice {
  name: string;
  totalVramBytes?: number;
  freeVramBytes?: number;
}

/** What the loaded model runs on and how it was fitted. */
export interface ActiveBackend {
  backend: LlamaBackend;
  /** llama.cpp's names of the devices it uses (empty on the CPU). */
  devices: string[];
  vram: { totalBytes: number; freeBytes: number };
  /** Model layers held in VRAM, chosen from free VRAM by node-llama-cpp. */
  gpuLayers: number;
  totalLayers: number;
  /** Tokens per sequence, chosen so the model and its context fit. */
  contextSize: number;
  sequences: number;
}

/** The proxy's report on llama.cpp backends (part of GET /tokenwise/health's `local`). */
export interface BackendReport {
  /** Backends this machine can use now: drivers present and the prebuilt package installed (`cpu` always). */
  usable: LlamaBackend[];
  /** Drivers present but the prebuilt package missing: installing these packages enables them. */
  downloadable: { backend: GpuBackend; packages: string[] }[];
  /** Cards found by the driver's tool (nvidia-smi); empty when there is none. */
  gpus: GpuDevice[];
  /** Where each installed GPU backend package was found (proves which copy loads). */
  locations: Record<string, string>;
  active?: ActiveBackend;
}

/** Tokens per second measured on the loaded model. */
export interface LocalSpeed {
  promptTokens: number;
  promptTokensPerSecond: number;
  generatedTokens: number;
  generationTokensPerSecond: number;
}

/** `tokenwise doctor`: what the local model runs on and how fast (GET /tokenwise/doctor). */
export interface DoctorReport {
  model: string;
  modelPath: string;
  backends: BackendReport & { active: ActiveBackend };
  speed: LocalSpeed;
}
