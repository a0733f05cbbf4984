/**
 * @module The status bar item: today's spend and saving, a clear stopped / failing state, click to open the panel
 * (or the log, when the proxy failed).
 */
import * as vscode from 'vscode';
import type { PanelSnapshot } from '../shared/protocol.ts';
import { COMMANDS, STATUS_ITEM_ID } from './ids.ts';
import { statusText } from './status-text.ts';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(STATUS_ITEM_ID, vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = 'Tokenwise';
  }

  show(snapshot: PanelSnapshot, visible: boolean): void {
    if (!visible) {
      this.item.hide();
      return;
    }
    const status = statusText(snapshot);
    this.item.text = status.text;
    this.item.tooltip = new vscode.MarkdownString(status.tooltip.join('\n\n'), true);
    this.item.backgroundColor =
      status.tone === 'normal' ? undefined : new vscode.ThemeColor(`statusBarItem.${status.tone}Background`);
    this.item.command =
      snapshot.proxy.kind === 'failed'
        ? COMMANDS.showLog
        : snapshot.proxy.kind === 'stopped'
          ? COMMANDS.startProxy
          : COMMANDS.openPanel;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
