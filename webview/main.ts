/**
 * @module The sidebar panel's script (its own bundle): receives snapshots from the extension, renders them, and
 * keeps the last one in the webview state so the panel reappears instantly after being hidden.
 */
import type { CopyTarget, FromPanel, PanelSnapshot, ToPanel } from '../shared/protocol.ts';
import './panel.css';
import { render, type PanelUi } from './view.ts';

interface VsCodeApi {
  postMessage(message: FromPanel): void;
  getState(): SavedState | undefined;
  setState(state: SavedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface SavedState {
  snapshot?: PanelSnapshot;
  range: 'hour' | 'week';
  snippet?: CopyTarget;
}

const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;
let state: SavedState = vscode.getState() ?? { range: 'hour' };
let copiedTimer: number | undefined;

const ui: PanelUi = {
  range: state.range,
  snippet: state.snippet,
  copy: (target) => vscode.postMessage({ type: 'copy', target }),
  run: (action) => vscode.postMessage({ type: 'run', action }),
  setRange: (range) => update({ range }),
  setTableRange: (range) => vscode.postMessage({ type: 'tableRange', range }),
  selectSnippet: (snippet) => update({ snippet }),
};

function update(change: Partial<SavedState>): void {
  state = { ...state, ...change };
  vscode.setState(state);
  ui.range = state.range;
  ui.snippet = state.snippet;
  draw();
}

function draw(): void {
  if (!state.snapshot) return;
  app.replaceChildren(...render(state.snapshot, ui));
  // Which request the panel shows last, and since when: how the end-to-end test measures the panel's delay.
  const lastEventId = String(state.snapshot.lastEventId);
  if (document.body.dataset.lastEventId !== lastEventId) {
    document.body.dataset.lastEventId = lastEventId;
    document.body.dataset.lastEventShownAt = String(Date.now());
  }
}

window.addEventListener('message', (event: MessageEvent<ToPanel>) => {
  const message = event.data;
  switch (message.type) {
    case 'snapshot':
      update({ snapshot: message.snapshot });
      return;
    case 'copied':
      ui.copied = message.target;
      draw();
      clearTimeout(copiedTimer);
      copiedTimer = window.setTimeout(() => {
        ui.copied = undefined;
        draw();
      }, 1500);
      return;
    default:
      message satisfies never;
  }
});

draw();
vscode.postMessage({ type: 'ready' });
