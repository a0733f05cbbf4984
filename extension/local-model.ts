/**
 * @module "Choose or download local model": pick the default model, a GGUF file, an `hf:` URI, or none; the proxy
 * restarts with it and downloads what is missing, and a cancellable notification follows the download through
 * /tokenwise/health. Cancelling puts the previous model back, which stops the download.
 */
import * as vscode from 'vscode';
import type { ProxyHealth } from '../shared/protocol.ts';
import { DEFAULT_MODEL } from './settings.ts';

export interface LocalModelDeps {
  /** The model the setting names now (undefined: the proxy's default). */
  current: () => string | undefined;
  /** Saves the setting (undefined clears it); the proxy restarts through the settings listener. */
  save: (model: string | undefined) => Thenable<void>;
  /** The running proxy's health, if it answers. */
  health: () => Promise<ProxyHealth | undefined>;
}

export async function chooseLocalModel(deps: LocalModelDeps): Promise<void> {
  type Item = vscode.QuickPickItem & { pick: () => Promise<string | undefined> };
  const items: Item[] = [
    {
      label: '$(cloud-download) Qwen2.5 1.5B Instruct',
      description: 'default · Q4_K_M · ~1 GB download',
      detail: DEFAULT_MODEL,
      pick: async () => DEFAULT_MODEL,
    },
    {
      label: '$(file) Choose a GGUF file…',
      pick: async () =>
        (
          await vscode.window.showOpenDialog({
            canSelectMany: false,
            filters: { 'GGUF model': ['gguf'] },
            openLabel: 'Use this model',
          })
        )?.[0]?.fsPath,
    },
    {
      label: '$(link) Enter a Hugging Face model…',
      description: 'hf:user/repo:QUANT',
      pick: async () =>
        vscode.window.showInputBox({
          prompt: 'A Hugging Face GGUF model, e.g. hf:bartowski/Qwen2.5-3B-Instruct-GGUF:Q4_K_M',
          value: 'hf:',
          validateInput: (v) =>
            /^hf:[^/\s]+\/[^/\s]+/.test(v.trim()) ? undefined : 'Write it as hf:user/repo or hf:user/repo:QUANT',
        }),
    },
    { label: '$(circle-slash) Off', description: 'cloud models only', pick: async () => 'off' },
  ];
  const chosen = await vscode.window.showQuickPick(items, {
    title: 'Tokenwise: local model',
    placeHolder: `Now: ${deps.current() ?? `${DEFAULT_MODEL} (default)`}`,
  });
  const model = await chosen?.pick();
  if (!model) return;
  const previous = deps.current();
  if (model === (previous ?? DEFAULT_MODEL)) return;
  const before = (await deps.health())?.pid;
  await deps.save(model === DEFAULT_MODEL ? undefined : model);
  if (model === 'off') return;
  await followLoad(deps, model, before, () => deps.save(previous));
}

/** Shows download and load progress until the model is ready or fails; Cancel restores the previous model. */
function followLoad(
  deps: LocalModelDeps,
  model: string,
  oldPid: number | undefined,
  restore: () => Thenable<void>,
): Thenable<void> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Tokenwise: ${model}`, cancellable: true },
    async (progress, token) => {
      let shown = 0;
      const deadline = Date.now() + 30_000;
      while (!token.isCancellationRequested) {
        const health = await deps.health();
        // Until the restarted proxy answers, the old one may still report the old model.
        const local = health && health.pid !== oldPid ? health.local : undefined;
        if (local?.state === 'ready') {
          void vscode.window.showInformationMessage(`Tokenwise: the local model ${local.model ?? model} is ready.`);
          return;
        }
        if (local?.state === 'unavailable') {
          void vscode.window.showErrorMessage(
            `Tokenwise: the local model is unavailable: ${local.detail ?? 'unknown reason'}`,
          );
          return;
        }
        if (local?.state === 'downloading') {
          const percent = Math.floor((local.progress ?? 0) * 100);
          progress.report({ increment: percent - shown, message: `downloading… ${percent}%` });
          shown = percent;
        } else {
          progress.report({ message: local ? 'loading…' : 'restarting the proxy…' });
          if (!local && Date.now() > deadline) return;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await restore();
      void vscode.window.showInformationMessage('Tokenwise: download cancelled; the previous local model is back.');
    },
  );
}
