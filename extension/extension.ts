/**
 * @module VS Code glue. For now: a command that runs the proxy as a child process of the extension host (VS Code's
 * own Node, no system Node needed) with its log in an Output channel. Supervision, panel and status bar build on it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';

export const START_PROXY_COMMAND = 'tokenwise.startProxy';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Tokenwise');
  let proxy: ChildProcess | undefined;
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand(START_PROXY_COMMAND, () => {
      if (proxy && proxy.exitCode === null) return;
      proxy = fork(context.asAbsolutePath('dist/proxy/cli.js'), ['serve'], { silent: true, execArgv: [] });
      proxy.stdout?.on('data', (data: Buffer) => output.append(data.toString()));
      proxy.stderr?.on('data', (data: Buffer) => output.append(data.toString()));
      proxy.on('exit', (code) => output.appendLine(`proxy exited (${code ?? 'signal'})`));
      output.show(true);
    }),
    { dispose: () => proxy?.kill() },
  );
}

export function deactivate(): void {}
