/**
 * @module Every id the extension registers, once: package.json contributes the same ones (a unit test checks).
 */
export const COMMANDS = {
  startProxy: 'tokenwise.startProxy',
  stopProxy: 'tokenwise.stopProxy',
  restartProxy: 'tokenwise.restartProxy',
  copyEndpoint: 'tokenwise.copyEndpoint',
  setApiKey: 'tokenwise.setApiKey',
  chooseLocalModel: 'tokenwise.chooseLocalModel',
  clearCache: 'tokenwise.clearCache',
  exportUsage: 'tokenwise.exportUsage',
  openSettings: 'tokenwise.openSettings',
  openPanel: 'tokenwise.openPanel',
  showLog: 'tokenwise.showLog',
  togglePromptHints: 'tokenwise.togglePromptHints',
  enableGpu: 'tokenwise.enableGpu',
  removeGpu: 'tokenwise.removeGpu',
} as const;

export const VIEW_CONTAINER_ID = 'tokenwise';
export const PANEL_VIEW_ID = 'tokenwise.usage';
/** Shows up in the DOM as `tokenwise.tokenwise.status` (publisher.name.id). */
export const STATUS_ITEM_ID = 'status';

/** "Connect a tool": one command per coding agent, and the undo (extension/agent-commands.ts). */
export const AGENT_COMMANDS = {
  'claude-code': 'tokenwise.connectClaudeCode',
  codex: 'tokenwise.connectCodex',
  continue: 'tokenwise.connectContinue',
  'qwen-code': 'tokenwise.connectQwenCode',
  opencode: 'tokenwise.connectOpencode',
  undo: 'tokenwise.undoConnectTool',
} as const;

/** The walkthrough's own command (extension/first-request.ts). */
export const WALKTHROUGH_COMMANDS = { sendTestRequest: 'tokenwise.sendTestRequest' } as const;
export const WALKTHROUGH_ID = 'tokenwise.firstRequest';
