/**
 * @module The sidebar panel's host side: serves the webview (strict CSP with a nonce, assets through asWebviewUri),
 * sends it snapshots, and answers its messages — copying (the token is filled in here, never sent to the webview)
 * and running commands.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import {
  parsePanelMessage,
  type CopyTarget,
  type PanelSnapshot,
  type TableRange,
  type ToPanel,
} from '../shared/protocol.ts';
import { connectSnippets } from '../shared/snippets.ts';
import { COMMANDS } from './ids.ts';

export interface PanelDeps {
  extensionUri: vscode.Uri;
  snapshot: () => PanelSnapshot;
  token: () => string | undefined;
  /** The panel picked the days its tables cover. */
  setTableRange: (range: TableRange) => void;
  log: (line: string) => void;
}

export class UsagePanel implements vscode.WebviewViewProvider, vscode.Disposable {
  private view?: vscode.WebviewView;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: PanelDeps) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const root = vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview');
    view.webview.options = { enableScripts: true, localResourceRoots: [root] };
    view.webview.html = html(view.webview, root);
    this.disposables.push(
      view.webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw)),
      view.onDidChangeVisibility(() => view.visible && this.update(this.deps.snapshot())),
      view.onDidDispose(() => (this.view = undefined)),
    );
  }

  /** Sends the snapshot if the panel is showing (a hidden panel gets it when shown again). */
  update(snapshot: PanelSnapshot): void {
    if (this.view?.visible) this.post({ type: 'snapshot', snapshot });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private post(message: ToPanel): void {
    void this.view?.webview.postMessage(message);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const message = parsePanelMessage(raw);
    if (!message) {
      this.deps.log(`ignored a malformed message from the panel: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        this.post({ type: 'snapshot', snapshot: this.deps.snapshot() });
        return;
      case 'copy': {
        const text = this.copyText(message.target);
        if (text === undefined) {
          void vscode.window.showWarningMessage(
            'Tokenwise: the proxy is not running yet, so there is no endpoint to copy.',
          );
          return;
        }
        await vscode.env.clipboard.writeText(text);
        this.post({ type: 'copied', target: message.target });
        return;
      }
      case 'run':
        await vscode.commands.executeCommand(COMMANDS[message.action]);
        return;
      case 'tableRange':
        this.deps.setTableRange(message.range);
        return;
      default:
        message satisfies never;
    }
  }

  private copyText(target: CopyTarget): string | undefined {
    const endpoint = this.deps.snapshot().endpoint;
    const token = this.deps.token();
    if (!endpoint) return undefined;
    if (target === 'openaiBaseUrl') return endpoint.openai;
    if (target === 'anthropicBaseUrl') return endpoint.anthropic;
    if (!token) return undefined;
    if (target === 'token') return token;
    return connectSnippets(endpoint, token).find((s) => s.target === target)?.text;
  }
}

function html(webview: vscode.Webview, root: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(root, name)).toString();
  const csp = [
    `default-src 'none'`,
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('panel.css')}">
<title>Tokenwise</title>
</head>
<body>
<main id="app" aria-live="polite"></main>
<script nonce="${nonce}" src="${asset('panel.js')}"></script>
</body>
</html>`;
}
