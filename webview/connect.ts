/**
 * @module "Connect a tool": the base URLs and the token with copy buttons, and a ready-to-paste snippet per tool.
 * The token is shown as a placeholder; the copy buttons ask the extension, which fills in the real one.
 */
import type { CopyTarget, PanelSnapshot } from '../shared/protocol.ts';
import { connectSnippets, TOKEN_PLACEHOLDER } from '../shared/snippets.ts';
import { h } from './dom.ts';
import type { PanelUi } from './view.ts';

export function connectSection(snapshot: PanelSnapshot, ui: PanelUi, open: boolean): HTMLElement {
  const endpoint = snapshot.endpoint;
  const details = h('details', { class: 'connect', ...(open ? { open: '' } : {}) }, h('summary', {}, 'Connect a tool'));
  if (!endpoint) {
    details.append(h('p', { class: 'muted' }, 'The base URL and token appear here once the proxy is running.'));
    return details;
  }
  const copy = (target: CopyTarget, label = 'Copy') => {
    const button = h('button', { class: 'secondary', 'data-copy': target }, ui.copied === target ? 'Copied' : label);
    button.addEventListener('click', () => ui.copy(target));
    return button;
  };
  const snippets = connectSnippets(endpoint, TOKEN_PLACEHOLDER);
  const selected = snippets.find((s) => s.target === ui.snippet) ?? snippets[0]!;
  const tabs = h('div', { class: 'tabs', role: 'tablist' });
  for (const s of snippets) {
    const tab = h(
      'button',
      { role: 'tab', class: s === selected ? 'tab selected' : 'tab', 'aria-selected': String(s === selected) },
      s.tool,
    );
    tab.addEventListener('click', () => ui.selectSnippet(s.target));
    tabs.append(tab);
  }
  details.append(
    h('p', { class: 'muted' }, 'Point any tool that takes a base URL at Tokenwise and use the token as its API key.'),
    h(
      'dl',
      { class: 'endpoint' },
      h('dt', {}, 'OpenAI base URL'),
      h('dd', {}, h('code', {}, endpoint.openai), copy('openaiBaseUrl')),
      h('dt', {}, 'Anthropic base URL'),
      h('dd', {}, h('code', {}, endpoint.anthropic), copy('anthropicBaseUrl')),
      h('dt', {}, 'Token'),
      h('dd', {}, h('code', {}, '••••••••••••'), copy('token')),
    ),
    tabs,
    h('pre', { class: 'snippet' }, h('code', {}, selected.text)),
    h('div', { class: 'actions' }, copy(selected.target, 'Copy with token')),
  );
  return details;
}
