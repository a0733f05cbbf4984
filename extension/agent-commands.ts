/**
 * @module The "Connect <agent> to Tokenwise" commands and their undo: the running proxy's endpoint and token written
 * into the agent's own settings file (agent-config.ts), with a message naming the file and offering to open it.
 */
import os from 'node:os';
import * as vscode from 'vscode';
import { AGENTS, canUndo, connectAgent, undoAgent } from './agent-config.ts';
import { AGENT_COMMANDS } from './ids.ts';
import type { ProxySupervisor } from './supervisor.ts';

export function registerAgentCommands(
  supervisor: ProxySupervisor,
  output: vscode.LogOutputChannel,
): vscode.Disposable[] {
  const run = (id: string, action: () => Promise<void>) =>
    vscode.commands.registerCommand(id, async () => {
      try {
        await action();
      } catch (error) {
        output.error(`${id}: ${(error as Error).message}`);
        void vscode.window.showErrorMessage(`Tokenwise: ${(error as Error).message}`);
      }
    });
  const opened = async (message: string, file: string) => {
    output.info(message);
    if ((await vscode.window.showInformationMessage(`Tokenwise: ${message}`, 'Open file')) === 'Open file')
      await vscode.window.showTextDocument(vscode.Uri.file(file));
  };
  return [
    ...AGENTS.map((agent) =>
      run(AGENT_COMMANDS[agent.id], async () => {
        const connection = supervisor.current.connection;
        if (!connection)
          throw new Error(
            `start the proxy first ("Tokenwise: Start proxy"): ${agent.name} is given its address and token.`,
          );
        const file = connectAgent(agent, os.homedir(), { url: connection.url, token: connection.token });
        await opened(
          `${agent.name} now goes through ${connection.url} (${file}; "Tokenwise: Undo connect a tool" puts the file back).`,
          file,
        );
      }),
    ),
    run(AGENT_COMMANDS.undo, async () => {
      const home = os.homedir();
      const connected = AGENTS.filter((agent) => canUndo(agent, home));
      if (!connected.length) throw new Error('no tool was connected from here, so there is nothing to undo.');
      const pick = await vscode.window.showQuickPick(
        connected.map((agent) => ({ label: agent.name, agent })),
        { title: 'Tokenwise: put a tool’s settings back as they were' },
      );
      if (!pick) return;
      const file = undoAgent(pick.agent, home);
      await opened(`${pick.agent.name}'s settings are back as they were before (${file}).`, file);
    }),
  ];
}
