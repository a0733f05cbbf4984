#!/usr/bin/env node
// The CLI is bundled by `npm run build` (run automatically by `npm install`).
import { existsSync } from 'node:fs';
import v8 from 'node:v8';
const cli = new URL('../dist/proxy/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('tokenwise: dist/ is missing; run `npm run build` first\n');
  process.exit(1);
}
// The ledger's SQLite is WebAssembly. V8's optimising tier recompiles all of it in the background, which costs
// ~50 MB of resident memory for a few writes a second that the baseline compiler serves as fast (measured in
// docs/benchmarks.md). Must be set before the module is compiled.
v8.setFlagsFromString('--liftoff-only');
await import(cli.href);
