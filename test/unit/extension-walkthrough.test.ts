// The walkthrough and the icon as package.json contributes them: four steps that get a first request through the
// proxy, each opening a command the extension registers and showing a page that exists; a 128 px PNG icon.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { COMMANDS, WALKTHROUGH_COMMANDS, WALKTHROUGH_ID } from '../../extension/ids.ts';

const repo = path.resolve(import.meta.dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));

test('the walkthrough: start the proxy, copy the endpoint, send a test request, open the panel', () => {
  const walkthrough = (
    manifest.contributes.walkthroughs as {
      id: string;
      steps: { id: string; description: string; media: { markdown: string }; completionEvents: string[] }[];
    }[]
  ).find((w) => w.id === WALKTHROUGH_ID)!;
  const commands = walkthrough.steps.map((step) => /\(command:([\w.]+)\)/.exec(step.description)?.[1]);
  assert.deepEqual(commands, [
    COMMANDS.startProxy,
    COMMANDS.copyEndpoint,
    WALKTHROUGH_COMMANDS.sendTestRequest,
    COMMANDS.openPanel,
  ]);
  for (const [i, step] of walkthrough.steps.entries()) {
    assert.deepEqual(step.completionEvents, [`onCommand:${commands[i]}`]);
    assert.ok(fs.existsSync(path.join(repo, step.media.markdown)), step.media.markdown);
  }
});

test('the extension icon is a 128×128 PNG shipped in the .vsix', () => {
  const png = fs.readFileSync(path.join(repo, manifest.icon));
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
  assert.match(fs.readFileSync(path.join(repo, '.vscodeignore'), 'utf8'), /^!extension\/media\/\*\*$/m);
});
