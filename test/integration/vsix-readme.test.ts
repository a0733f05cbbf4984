// `npm run package` as a user runs it (after the build): the Marketplace page inside the .vsix is the extension's own
// short README, not the repository's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { inflateRawSync } from 'node:zlib';

const root = path.resolve(import.meta.dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-vsix-readme-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** One file of a zip archive, found through its central directory. */
function readZipEntry(zip: Buffer, name: string): string | undefined {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      const local = zip.readUInt32LE(at + 42);
      const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const bytes = zip.subarray(data, data + size);
      return (method === 8 ? inflateRawSync(bytes) : bytes).toString('utf8');
    }
    at = next;
  }
  return undefined;
}

test('the packaged .vsix carries extension/README.md as its Marketplace page', () => {
  const vsix = path.join(dir, 'tokenwise.vsix');
  const build = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/vsix.ts', '--out', vsix], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);
  const page = readZipEntry(fs.readFileSync(vsix), 'extension/readme.md');
  assert.equal(page, fs.readFileSync(path.join(root, 'extension/README.md'), 'utf8'));
  assert.notEqual(page, fs.readFileSync(path.join(root, 'README.md'), 'utf8'));
});
