/**
 * @module "Export usage (CSV)": the proxy's own `tokenwise usage --csv` (one CSV format for the CLI and the editor),
 * run as a child of the extension host with the same configuration as the proxy, saved where the user chooses.
 */
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { GroupBy } from '../shared/protocol.ts';
import { runProxyCli } from './proxy-cli.ts';
import type { Launch } from './settings.ts';

const choices: (vscode.QuickPickItem & { groupBy: GroupBy; since: string })[] = [
  { label: 'By day', description: 'last 90 days', groupBy: 'day', since: '90d' },
  { label: 'By model', description: 'last 30 days', groupBy: 'model', since: '30d' },
  { label: 'By tool', description: 'last 30 days', groupBy: 'client', since: '30d' },
  { label: 'By route', description: 'local or cloud, last 30 days', groupBy: 'route', since: '30d' },
];

export async function exportUsage(hostScript: string, launch: Launch): Promise<void> {
  const choice = await vscode.window.showQuickPick(choices, { title: 'Tokenwise: export usage as CSV' });
  if (!choice) return;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(folder, `tokenwise-usage-by-${choice.groupBy}.csv`),
    filters: { CSV: ['csv'] },
  });
  if (!target) return;
  const csv = await runProxyCli(
    hostScript,
    ['usage', '--since', choice.since, '--group-by', choice.groupBy, '--csv'],
    launch,
  );
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(csv));
  const open = await vscode.window.showInformationMessage(
    `Tokenwise: usage saved to ${path.basename(target.fsPath)}.`,
    'Open',
  );
  if (open) await vscode.window.showTextDocument(target);
}
