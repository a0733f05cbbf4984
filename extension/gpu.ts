/**
 * @module The VS Code side of GPU acceleration: the one-time offer when the proxy reports a GPU whose llama.cpp
 * backend is not installed, and the "Enable GPU acceleration" / "Remove GPU acceleration" commands. Downloading and
 * verifying is `gpu-install.ts`; this shows progress with Cancel, restarts the proxy on the new backend and says
 * what it runs on. Any failure leaves the CPU build in use and names the step that failed.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { BackendReport } from '../shared/llama-backends.ts';
import type { ProxyHealth } from '../shared/protocol.ts';
import { backendsDir, installBackend, installedBackends, removeBackends } from './gpu-install.ts';
import { readNpmNetwork } from './npm-network.ts';

const OFFERED_KEY = 'tokenwise.gpuOffered';
export const ENABLE_GPU_ACTION = 'Enable GPU acceleration';

export interface GpuDeps {
  context: vscode.ExtensionContext;
  /** The running proxy's health, if it answers. */
  health: () => Promise<ProxyHealth | undefined>;
  stop: () => Promise<void>;
  start: () => Promise<void>;
  /** The proxy on the port was started outside this window (so a restart here cannot change its backends). */
  attached: () => boolean;
  log: (line: string) => void;
}

/** Where downloaded backends live, and the node-llama-cpp version they must match (pinned exactly in package.json). */
export function backendStore(context: vscode.ExtensionContext): { storage: string; version: string } {
  const version = (context.extension.packageJSON as { dependencies: Record<string, string> }).dependencies[
    'node-llama-cpp'
  ]!;
  return { storage: path.join(context.globalStorageUri.fsPath, 'llama-backends'), version };
}

/** The environment that points the proxy at the downloaded backends (empty when none is installed). */
export function backendEnv(context: vscode.ExtensionContext): Record<string, string> {
  const { storage, version } = backendStore(context);
  return installedBackends(storage, version).length
    ? { TOKENWISE_LLAMA_BACKENDS_DIR: backendsDir(storage, version) }
    : {};
}

function describe(backends: BackendReport, backend: string): string {
  const card = backends.gpus[0]?.name;
  return `${backend === 'cuda' ? 'CUDA' : backend === 'vulkan' ? 'Vulkan' : backend}${card ? ` for ${card}` : ''}`;
}

/** Once per installation: offers the download when the proxy reports a GPU backend it could use with one. */
export async function offerGpu(deps: GpuDeps, backends: BackendReport | undefined): Promise<void> {
  const offer = backends?.downloadable[0];
  if (!backends || !offer || deps.context.globalState.get(OFFERED_KEY)) return;
  // Set before the await: health updates arrive in bursts and must not stack offers.
  void deps.context.globalState.update(OFFERED_KEY, true);
  const choice = await vscode.window.showInformationMessage(
    `Tokenwise: this machine has a GPU the local model could use, but the ${describe(backends, offer.backend)} build of llama.cpp is not installed. Download it (from your npm registry) and run the local model on the GPU?`,
    ENABLE_GPU_ACTION,
    'Not now',
  );
  if (choice === ENABLE_GPU_ACTION) await vscode.commands.executeCommand('tokenwise.enableGpu');
}

/** "Enable GPU acceleration": install the backend the proxy offers, restart on it, report what it runs on. */
export async function enableGpu(deps: GpuDeps): Promise<void> {
  const backends = (await deps.health())?.local.backends;
  if (!backends) {
    void vscode.window.showWarningMessage(
      'Tokenwise: the proxy has not reported its llama.cpp backends yet (is the local model on and loaded?). Try again once it is running.',
    );
    return;
  }
  if (!backends.downloadable.length) {
    const gpu = backends.usable.filter((b) => b !== 'cpu');
    void vscode.window.showInformationMessage(
      gpu.length
        ? `Tokenwise: the ${gpu.join(' and ')} backend is already installed; the local model runs on ${backends.active?.backend ?? gpu[0]}.`
        : 'Tokenwise: no CUDA or Vulkan driver found on this machine, so there is no GPU build to download; the local model runs on the CPU.',
    );
    return;
  }
  const picked =
    backends.downloadable.length === 1
      ? backends.downloadable[0]!
      : (
          await vscode.window.showQuickPick(
            backends.downloadable.map((d) => ({
              label: describe(backends, d.backend),
              detail: d.packages.join(' + '),
              offer: d,
            })),
            { title: 'Tokenwise: which GPU build?' },
          )
        )?.offer;
  if (!picked) return;
  const { storage, version } = backendStore(deps.context);
  const network = readNpmNetwork();
  deps.log(
    `downloading ${picked.packages.join(', ')}@${version} from ${network.registry}${network.proxy ? ` through ${network.proxy}` : ''}`,
  );
  try {
    await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Tokenwise: ${describe(backends, picked.backend)}`,
        cancellable: true,
      },
      async (progress, token) => {
        const cancel = new AbortController();
        token.onCancellationRequested(() => cancel.abort());
        let shown = 0;
        await installBackend({
          packages: picked.packages,
          version,
          storage,
          network,
          signal: cancel.signal,
          onProgress: (p) => {
            const share = p.totalBytes ? ((p.index - 1 + p.receivedBytes / p.totalBytes) / p.count) * 100 : shown;
            progress.report({
              increment: share - shown,
              message: `${p.package} ${(p.receivedBytes / 1048576).toFixed(0)}${p.totalBytes ? ` of ${(p.totalBytes / 1048576).toFixed(0)}` : ''} MB`,
            });
            shown = share;
          },
        });
        progress.report({ message: 'restarting the proxy on the new backend…' });
        if (deps.attached()) return;
        await deps.stop();
        await deps.start();
      },
    );
  } catch (error) {
    deps.log(`GPU acceleration not enabled: ${(error as Error).message}`);
    void vscode.window.showErrorMessage(
      `Tokenwise: GPU acceleration was not enabled — ${(error as Error).message}. The local model keeps running on the CPU build.`,
    );
    return;
  }
  const dir = backendsDir(storage, version);
  deps.log(`installed ${picked.packages.join(', ')} into ${dir}`);
  if (deps.attached()) {
    void vscode.window.showInformationMessage(
      `Tokenwise: the ${picked.backend} build is installed in ${dir}. The proxy on this port was started outside this window: restart it with TOKENWISE_LLAMA_BACKENDS_DIR=${dir} to use it.`,
    );
    return;
  }
  void vscode.window.showInformationMessage(await afterRestart(deps, picked.backend));
}

/** What the restarted proxy runs on, in one sentence. */
async function afterRestart(deps: GpuDeps, wanted: string): Promise<string> {
  for (let i = 0; i < 120; i++) {
    const local = (await deps.health())?.local;
    if (local?.state === 'ready' && local.backends?.active) {
      const { active } = local.backends;
      if (active.backend === wanted)
        return `Tokenwise: the local model now runs on ${wanted} (${active.devices.join(', ') || 'GPU'}), ${active.gpuLayers} of ${active.totalLayers} layers on the GPU.`;
      return `Tokenwise: the ${wanted} build is installed, but llama.cpp could not start it and runs on ${active.backend}; run "tokenwise doctor" or see the log for why.`;
    }
    if (local?.state === 'unavailable')
      return `Tokenwise: the ${wanted} build is installed, but the local model is unavailable: ${local.detail ?? 'unknown reason'}.`;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return `Tokenwise: the ${wanted} build is installed; the local model is still loading.`;
}

/** "Remove GPU acceleration": deletes the downloaded backends and restarts the proxy on the CPU build. */
export async function removeGpu(deps: GpuDeps): Promise<void> {
  const { storage, version } = backendStore(deps.context);
  if (!installedBackends(storage, version).length) {
    void vscode.window.showInformationMessage('Tokenwise: no downloaded GPU backend to remove.');
    return;
  }
  // The proxy holds the backend's libraries open (Windows refuses to delete them): stop it first.
  await deps.stop();
  const removed = removeBackends(storage, version);
  deps.log(`removed ${removed.join(', ')}`);
  await deps.start();
  void vscode.window.showInformationMessage(
    `Tokenwise: removed ${removed.join(', ')}; the local model runs on the CPU build.`,
  );
}
