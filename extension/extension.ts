/**
 * @module VS Code glue. For now: runs the proxy as a child process of the extension host (VS Code's own Node, no
 * system Node needed) and shows its log in an Output channel. Supervision, panel and status bar build on this.
 */
import { fork } from 'node:child_process';
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Tokenwise');
  const proxy = fork(context.asAbsolutePath('dist/proxy/cli.js'), ['serve'], { silent: true, execArgv: [] });
  proxy.stdout?.on('data', (data: Buffer) => output.append(data.toString()));
  proxy.stderr?.on('data', (data: Buffer) => output.append(data.toString()));
  proxy.on('exit', (code) => output.appendLine(`proxy exited (${code ?? 'signal'})`));
  context.subscriptions.push(output, { dispose: () => proxy.kill() });
}

export function deactivate(): void {}
