/**
 * @module The smallest safe edits to a coding agent's TOML (Codex) and YAML (Continue) settings, without a parser:
 * only the shapes understood here are changed, line by line, so the user's other settings and comments stay as they
 * are; anything else is refused with a message saying what to do by hand.
 */

/** The file's shape is not one this edit understands: nothing was written. */
export class UnsupportedConfigError extends Error {}

const tomlString = (value: string) => JSON.stringify(value);

/**
 * Codex's config.toml with `model_provider = "<id>"` at the top level and the `[model_providers.<id>]` table
 * replaced (or added) with `entries`.
 */
export function setTomlProvider(text: string, id: string, entries: Record<string, string>): string {
  if (/"""|'''/.test(text))
    throw new UnsupportedConfigError('it has multi-line strings, which this edit does not read safely');
  if (/^\s*model_providers\s*=/m.test(text) || new RegExp(`^\\s*model_providers\\.${id}\\b`, 'm').test(text)) {
    throw new UnsupportedConfigError(
      `it defines model_providers inline; add the [model_providers.${id}] table by hand`,
    );
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const isHeader = (line: string) => /^\s*\[/.test(line);
  const header = `[model_providers.${id}]`;
  const body = [header, ...Object.entries(entries).map(([key, value]) => `${key} = ${tomlString(value)}`)];
  const start = lines.findIndex((line) => line.trim() === header);
  if (start === -1) {
    if (lines.length && lines.at(-1)!.trim()) lines.push('');
    lines.push(...body);
  } else {
    let end = start + 1;
    while (end < lines.length && !isHeader(lines[end]!)) end++;
    // Keep the blank lines and comments that lead into the next table.
    while (end > start + 1 && (!lines[end - 1]!.trim() || lines[end - 1]!.trim().startsWith('#'))) end--;
    lines.splice(start, end - start, ...body);
  }
  const firstTable = lines.findIndex(isHeader);
  const topLevel = firstTable === -1 ? lines.length : firstTable;
  const selector = `model_provider = ${tomlString(id)}`;
  const existing = lines.slice(0, topLevel).findIndex((line) => /^\s*model_provider\s*=/.test(line));
  if (existing !== -1) lines[existing] = selector;
  else lines.splice(0, 0, selector, ...(topLevel === 0 ? [''] : []));
  return `${lines.join('\n')}\n`;
}

/** Whether Codex's config.toml selects this provider (the line `setTomlProvider` writes). */
export const tomlSelects = (text: string, id: string) => new RegExp(`^model_provider = "${id}"$`, 'm').test(text);

/**
 * Continue's config.yaml with the model named `name` replaced (or added first) in the top-level `models:` list;
 * `item` is the model's YAML lines, without the leading `- `.
 */
export function setYamlModel(text: string, name: string, item: string[]): string {
  if (/^\t/m.test(text)) throw new UnsupportedConfigError('it is indented with tabs');
  if (/^---\s*$/m.test(text.replace(/^---\s*\n/, '')))
    throw new UnsupportedConfigError('it holds more than one YAML document');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const key = lines.findIndex((line) => /^models\s*:/.test(line));
  if (key === -1) {
    if (lines.length && lines.at(-1)!.trim()) lines.push('');
    lines.push('models:', ...itemLines('  ', item));
    return `${lines.join('\n')}\n`;
  }
  if (!/^models\s*:\s*(#.*)?$/.test(lines[key]!))
    throw new UnsupportedConfigError('its models list is written inline ([…]); add the model by hand');
  let end = key + 1;
  while (end < lines.length && (!lines[end]!.trim() || /^[\s-]/.test(lines[end]!))) end++;
  const list = lines.slice(key + 1, end);
  const first = list.find((line) => line.trim() && !line.trim().startsWith('#'));
  const indent = first ? /^(\s*)-/.exec(first)?.[1] : '  ';
  if (indent === undefined) throw new UnsupportedConfigError('its models key is not a list');
  const itemStart = new RegExp(`^${indent}-`);
  const nameLine = new RegExp(
    `^${indent}-?\\s*name\\s*:\\s*["']?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*$`,
  );
  let at = -1;
  for (let i = 0; i < list.length; i++) if (itemStart.test(list[i]!) && nameLine.test(list[i]!)) at = i;
  const replacement = itemLines(indent, item);
  if (at === -1) {
    lines.splice(key + 1, 0, ...replacement);
  } else {
    let stop = at + 1;
    while (
      stop < list.length &&
      !itemStart.test(list[stop]!) &&
      (list[stop]!.startsWith(`${indent} `) || !list[stop]!.trim())
    )
      stop++;
    while (stop > at + 1 && !list[stop - 1]!.trim()) stop--;
    lines.splice(key + 1 + at, stop - at, ...replacement);
  }
  return `${lines.join('\n')}\n`;
}

function itemLines(indent: string, item: string[]): string[] {
  return item.map((line, i) => `${indent}${i === 0 ? '- ' : '  '}${line}`);
}
