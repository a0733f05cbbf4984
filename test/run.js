// `npm test`: builds the bundles, then runs every *.test.ts under test/ with Node's own test runner (TypeScript
// through tsx), in two passes. Most of a light test file's time is its process starting (tsx, imports), so the unit
// files that load no model run two at a time; everything that loads llama.cpp, starts agents or VS Code, or holds
// timing-sensitive load (integration, chaos, e2e) then runs one file at a time, as the 2 cores allow.
// `node test/run.js <substring> [...]` runs only the files whose path contains one of them (no typecheck).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

/** A unit file that loads no model (llama.cpp takes a core and seconds to load) can share the machine. */
function runsAlongside(file) {
  return (
    file.startsWith(path.join(root, 'test', 'unit') + path.sep) &&
    !/tiny-model|node-llama-cpp|getLlama/.test(readFileSync(file, 'utf8'))
  );
}

const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

function pass(name, files, concurrency) {
  if (!files.length) return 0;
  const started = Date.now();
  const status = run(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files]);
  process.stderr.write(
    `test/run.js: ${name}: ${files.length} files in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
  return status;
}

if (run(process.execPath, ['esbuild.config.js']) !== 0) process.exit(1);
// Format, lint and the levers' import boundaries (biome.json), then types: only on the whole run.
if (!only.length && run(process.execPath, ['node_modules/@biomejs/biome/bin/biome', 'check', '.']) !== 0)
  process.exit(1);
if (!only.length && run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.']) !== 0)
  process.exit(1);
const files = findTests(path.join(root, 'test'))
  .filter((f) => !only.length || only.some((o) => f.includes(o)))
  .sort();
const light = pass('unit files, two at a time', files.filter(runsAlongside), 2);
const heavy = pass(
  'model, integration, agent and e2e files, one at a time',
  files.filter((f) => !runsAlongside(f)),
  1,
);
process.exit(light || heavy);
