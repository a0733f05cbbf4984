/**
 * @module The command palette: start / stop / restart the proxy, copy the endpoint and token, set a cloud key,
 * choose the local model, clear the cache, export usage, open settings, the panel and the log, enable or remove GPU
 * acceleration.
 */
import * as vscode from 'vscode';
import { connectSnippets } from '../shared/snippets.ts';
import { CLOUD_KEYS } from './cloud-keys.ts';
import { exportUsage } from './export-usage.ts';
import { enableGpu, removeGpu, type GpuDeps } from './gpu.ts';
import { COMMANDS, PANEL_VIEW_ID } from './ids.ts';
import { chooseLocalModel } from './local-model.ts';
import { togglePromptHints } from './prompt-hints.ts';
import { probeHealth, ProxyClient } from './proxy-client.ts';
import type { Launch } from './settings.ts';
import type { ProxySupervisor } from './supervisor.ts';
import type { UsageFeed } from './usage-feed.ts';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  supervisor: ProxySupervisor;
  feed: UsageFeed;
  output: vscode.LogOutputChannel;
  hostScript: string;
  /** The launch a (re)start would use now. */
  launch: () => Promise<Launch>;
  /** Settings or secrets changed: restart the proxy if its launch differs. */
  relaunch: () => Promise<void>;
  gpu: GpuDeps;
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { supervisor, feed, output } = deps;
  const running = () => {
    const { connection } = supervisor.current;
    if (!connection)
      void vscode.window.showWarningMessage(
        'Tokenwise: the proxy is not running. Start it with "Tokenwise: Start proxy".',
      );
    return connection;
  };
  const handlers: Record<(typeof COMMANDS)[keyof typeof COMMANDS], () => unknown> = {
    [COMMANDS.startProxy]: () => supervisor.start(),
    [COMMANDS.stopProxy]: async () => {
      const attached = supervisor.current.connection?.attached;
      await supervisor.stop();
      if (attached)
        void vscode.window.showInformationMessage(
          'Tokenwise: detached. That proxy was not started by this window, so it keeps running.',
        );
    },
    [COMMANDS.restartProxy]: () => supervisor.restart(),
    [COMMANDS.copyEndpoint]: async () => {
      const connection = running();
      if (!connection) return;
      const endpoint = { openai: `${connection.url}/v1`, anthropic: connection.url };
      const items = [
        {
          label: 'OpenAI base URL and token',
          detail: 'as OPENAI_BASE_URL / OPENAI_API_KEY',
          text: `OPENAI_BASE_URL=${endpoint.openai}\nOPENAI_API_KEY=${connection.token}`,
        },
        {
          label: 'Anthropic base URL and token',
          detail: 'as ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY',
          text: `ANTHROPIC_BASE_URL=${endpoint.anthropic}\nANTHROPIC_API_KEY=${connection.token}`,
        },
        { label: 'OpenAI base URL', detail: endpoint.openai, text: endpoint.openai },
        { label: 'Token', detail: 'send it as the API key', text: connection.token },
        ...connectSnippets(endpoint, connection.token).map((s) => ({ label: `Snippet: ${s.tool}`, text: s.text })),
      ];
      const item = await vscode.window.showQuickPick(items, { title: 'Tokenwise: copy' });
      if (!item) return;
      await vscode.env.clipboard.writeText(item.text);
      void vscode.window.showInformationMessage(
        `Tokenwise: copied ${item.label.replace('Snippet: ', 'the snippet for ')}.`,
      );
    },
    [COMMANDS.setApiKey]: async () => {
      const key = await vscode.window.showQuickPick(
        CLOUD_KEYS.map((k) => ({ ...k, description: k.env })),
        {
          title: 'Tokenwise: set a cloud API key',
          placeHolder: 'Kept in the OS keychain (VS Code SecretStorage) and given to the proxy only',
        },
      );
      if (!key) return;
      const value = await vscode.window.showInputBox({
        title: `${key.label} API key`,
        prompt: 'Leave empty to remove the stored key.',
        password: true,
        ignoreFocusOut: true,
      });
      if (value === undefined) return;
      if (value.trim()) await deps.context.secrets.store(key.secret, value.trim());
      else await deps.context.secrets.delete(key.secret);
      output.info(`${value.trim() ? 'stored' : 'removed'} the ${key.provider} API key`);
      await deps.relaunch();
      void vscode.window.showInformationMessage(
        `Tokenwise: ${value.trim() ? 'saved' : 'removed'} the ${key.provider} key.`,
      );
    },
    [COMMANDS.chooseLocalModel]: () => {
      const config = () => vscode.workspace.getConfiguration('tokenwise');
      return chooseLocalModel({
        current: () => config().inspect<string>('localModel')?.globalValue || undefined,
        save: (model) => config().update('localModel', model, vscode.ConfigurationTarget.Global),
        health: async () => {
          const url = supervisor.current.connection?.url;
          const health = url ? await probeHealth(url) : undefined;
          return health === 'other' ? undefined : health;
        },
      });
    },
    [COMMANDS.clearCache]: async () => {
      const connection = running();
      if (!connection) return;
      const { cleared } = await new ProxyClient(connection.url, connection.token).clearCache();
      feed.refreshSoon(0);
      void vscode.window.showInformationMessage(
        `Tokenwise: cleared ${cleared} cached answer${cleared === 1 ? '' : 's'}.`,
      );
    },
    [COMMANDS.exportUsage]: async () => exportUsage(deps.hostScript, await deps.launch()),
    [COMMANDS.openSettings]: () =>
      vscode.commands.executeCommand('workbench.action.openSettings', '@ext:tokenwise.tokenwise'),
    [COMMANDS.openPanel]: () => vscode.commands.executeCommand(`${PANEL_VIEW_ID}.focus`),
    [COMMANDS.showLog]: () => output.show(true),
    [COMMANDS.togglePromptHints]: () => togglePromptHints(),
    [COMMANDS.enableGpu]: () => enableGpu(deps.gpu),
    [COMMANDS.removeGpu]: () => removeGpu(deps.gpu),
  };
  return Object.entries(handlers).map(([id, run]) =>
    vscode.commands.registerCommand(id, async () => {
      try {
        await run();
      } catch (error) {
        output.error(`${id}: ${(error as Error).message}`);
        void vscode.window.showErrorMessage(`Tokenwise: ${(error as Error).message}`);
      }
    }),
  );
}
