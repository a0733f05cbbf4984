// `npm test`: builds the bundles, then runs every *.test.ts under test/ with Node's own test runner (TypeScript
// through tsx). Files run one at a time: model tests share 2 cores and each loads llama.cpp once.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const only = process.argv.slice(2);

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' || name.startsWith('.') ? [] : findTests(full);
    return name.endsWith('.test.ts') ? [full] : [];
  });
}

const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

if (run(process.execPath, ['esbuild.config.js']) !== 0) process.exit(1);
if (!only.length && run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.']) !== 0) process.exit(1);
const files = findTests(path.join(root, 'test')).filter((f) => !only.length || only.some((o) => f.includes(o))).sort();
process.exit(run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files]));
