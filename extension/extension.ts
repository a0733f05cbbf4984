/**
 * @module VS Code glue: wires the proxy supervisor, the live usage feed, the status bar, the sidebar panel, the
 * inline prompt cost hints, the commands and the settings together. Activation does no I/O of its own (the proxy starts in the background), and
 * logs how long it took and when the proxy was spawned, so the start-up cost stays measured.
 */
import { isDeepStrictEqual } from 'node:util';
import * as vscode from 'vscode';
import { registerAgentCommands } from './agent-commands.ts';
import { cloudKeyEnv } from './cloud-keys.ts';
import { registerFirstRequest } from './first-request.ts';
import { registerCommands } from './commands.ts';
import { backendEnv, offerGpu, type GpuDeps } from './gpu.ts';
import { COMMANDS, PANEL_VIEW_ID } from './ids.ts';
import { UsagePanel } from './panel.ts';
import { PromptHints } from './prompt-hints.ts';
import { probeHealth } from './proxy-client.ts';
import { parseSettings, proxyLaunch, sameLaunch, type Launch, type Settings } from './settings.ts';
import { StatusBar } from './status-bar.ts';
import { ProxySupervisor } from './supervisor.ts';
import { UsageFeed } from './usage-feed.ts';

let supervisor: ProxySupervisor | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const began = performance.now();
  const output = vscode.window.createOutputChannel('Tokenwise', { log: true });
  const log = (line: string) => output.info(line);
  const defaults = (
    context.extension.packageJSON as {
      contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
    }
  ).contributes.configuration.properties;
  let settings = readSettings(output, defaults);
  let lastLaunch: Launch | undefined;
  // Downloaded GPU backends ride in the environment, so a launch with them differs from one without.
  const launch = async () => {
    const base = proxyLaunch(settings, await cloudKeyEnv(context.secrets));
    return { ...base, env: { ...base.env, ...backendEnv(context) } };
  };
  const hostScript = context.asAbsolutePath('dist/extension/proxy-host.cjs');

  const statusBar = new StatusBar();
  const panel = new UsagePanel({
    extensionUri: context.extensionUri,
    snapshot: () => feed.current,
    token: () => feed.token,
    setTableRange: (range) => feed.setTableRange(range),
    log,
  });
  const feed = new UsageFeed((snapshot) => {
    statusBar.show(snapshot, settings.statusBar);
    panel.update(snapshot);
  }, log);
  let spawned = false;
  let activationMs = 0;
  supervisor = new ProxySupervisor({
    hostScript,
    launch: async () => (lastLaunch = await launch()),
    port: () => settings.port,
    log,
    onState: (state, connection) => {
      feed.setProxy(state, connection);
      if (state.kind === 'running' && !connection?.attached) void offerGpu(gpu, state.local?.backends);
    },
    onFailure: (message, gaveUp) => void notifyFailure(message, gaveUp),
    onSpawn: (forkMs) => {
      // What start-up pays is the thread time (activation + the fork call); the rest of the wall time the extension
      // host was free while the keychain and the port check answered.
      if (!spawned)
        log(
          `proxy spawned ${(performance.now() - began).toFixed(1)} ms after activation began, using ${(activationMs + forkMs).toFixed(1)} ms of the extension host's thread`,
        );
      spawned = true;
    },
  });
  const running = supervisor;
  const gpu: GpuDeps = {
    context,
    health: async () => {
      const url = running.current.connection?.url;
      const health = url ? await probeHealth(url) : undefined;
      return health === 'other' ? undefined : health;
    },
    stop: () => running.stop(),
    start: () => running.start(),
    attached: () => running.current.connection?.attached === true,
    log,
  };

  /** Restarts the proxy when what it would be started with changed; anything else applies without one. */
  let relaunching = Promise.resolve();
  const relaunch = () =>
    (relaunching = relaunching.then(async () => {
      const next = await launch();
      const { state, connection } = running.current;
      if (state.kind === 'stopped' || (lastLaunch && sameLaunch(lastLaunch, next))) return;
      if (connection?.attached && next.env.TOKENWISE_PORT === lastLaunch?.env.TOKENWISE_PORT) {
        lastLaunch = next;
        log('settings changed, but the proxy on this port was not started by this window: they apply when it restarts');
        void vscode.window.showInformationMessage(
          `Tokenwise: the proxy on ${connection.url} was started outside this window, so the new settings apply once it is restarted from where it runs.`,
        );
        return;
      }
      log('settings changed: restarting the proxy');
      await running.restart();
    }));

  context.subscriptions.push(
    output,
    statusBar,
    panel,
    { dispose: () => feed.dispose() },
    vscode.window.registerWebviewViewProvider(PANEL_VIEW_ID, panel),
    new PromptHints(context.asAbsolutePath('dist/extension/prompt-analysis.cjs'), log),
    ...registerCommands({ context, supervisor, feed, output, hostScript, launch, relaunch, gpu }),
    ...registerAgentCommands(supervisor, output),
    registerFirstRequest(supervisor, output),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration('tokenwise')) return;
      settings = readSettings(output, defaults);
      statusBar.show(feed.current, settings.statusBar);
      void relaunch();
    }),
    context.secrets.onDidChange(() => void relaunch()),
  );

  statusBar.show(feed.current, settings.statusBar);
  if (settings.autoStart) void supervisor.start();
  activationMs = performance.now() - began;
  log(`activated in ${activationMs.toFixed(1)} ms`);

  async function notifyFailure(message: string, gaveUp: boolean): Promise<void> {
    const choice = gaveUp
      ? await vscode.window.showErrorMessage(message, 'Show log', 'Restart')
      : await vscode.window.showWarningMessage(message, 'Show log');
    if (choice === 'Show log') output.show(true);
    if (choice === 'Restart') await vscode.commands.executeCommand(COMMANDS.restartProxy);
  }
}

export async function deactivate(): Promise<void> {
  await supervisor?.stop();
  supervisor = undefined;
}

/**
 * The settings as the user set them, with problems logged and shown. A value equal to its package.json default is
 * no choice, so the proxy's config file keeps deciding it. (One `get` per setting: `inspect` costs ~1 ms each, and
 * this runs during activation.)
 */
function readSettings(output: vscode.LogOutputChannel, defaults: Record<string, { default?: unknown }>): Settings {
  const config = vscode.workspace.getConfiguration('tokenwise');
  const { settings, problems } = parseSettings((name) => {
    const value = config.get(name);
    return isDeepStrictEqual(value, defaults[`tokenwise.${name}`]?.default) ? undefined : value;
  });
  for (const problem of problems) output.warn(problem);
  if (problems.length) void vscode.window.showWarningMessage(`Tokenwise settings: ${problems.join('; ')}`);
  return settings;
}
