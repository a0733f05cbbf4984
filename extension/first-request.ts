/**
 * @module The walkthrough's "send a test request": one small chat completion through the running proxy, `model:
 * "auto"`, and its answer shown with where it went (local or cloud, from the proxy's `x-tokenwise-route` header), so
 * a new user sees a first request go through before pointing a tool at it.
 */
import * as vscode from 'vscode';
import { WALKTHROUGH_COMMANDS } from './ids.ts';
import type { ProxySupervisor } from './supervisor.ts';

const QUESTION = 'In one short sentence: what does a prompt cache save?';

/** The answer to one test request, or the proxy's error message. */
export async function sendTestRequest(
  url: string,
  token: string,
): Promise<{ text: string; model: string; route: string }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'user-agent': 'tokenwise-vscode-walkthrough',
    },
    body: JSON.stringify({ model: 'auto', max_tokens: 60, messages: [{ role: 'user', content: QUESTION }] }),
    signal: AbortSignal.timeout(120_000),
  });
  const body = (await response.json().catch(() => ({}))) as {
    model?: string;
    choices?: { message?: { content?: string } }[];
    error?: { message?: string };
  };
  if (!response.ok)
    throw new Error(`the test request got HTTP ${response.status}: ${body.error?.message ?? 'no message'}`);
  return {
    text: body.choices?.[0]?.message?.content?.trim() ?? '',
    model: body.model ?? 'auto',
    route: response.headers.get('x-tokenwise-route') ?? '?',
  };
}

export function registerFirstRequest(supervisor: ProxySupervisor, output: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.commands.registerCommand(WALKTHROUGH_COMMANDS.sendTestRequest, async () => {
    const connection = supervisor.current.connection;
    if (!connection) {
      void vscode.window.showWarningMessage(
        'Tokenwise: the proxy is not running. Start it with "Tokenwise: Start proxy".',
      );
      return;
    }
    try {
      const answer = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Tokenwise: sending a test request…' },
        () => sendTestRequest(connection.url, connection.token),
      );
      output.info(`test request answered by ${answer.model} (${answer.route})`);
      void vscode.window.showInformationMessage(
        `Tokenwise answered (${answer.model}, ${answer.route}): ${answer.text || '(empty answer)'}`,
      );
    } catch (error) {
      output.error(`test request: ${(error as Error).message}`);
      void vscode.window.showErrorMessage(`Tokenwise: ${(error as Error).message}`);
    }
  });
}
