#!/usr/bin/env node
// The CLI is bundled by `npm run build` (run automatically by `npm install`).
import { existsSync } from 'node:fs';
const cli = new URL('../dist/proxy/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('tokenwise: dist/ is missing; run `npm run build` first\n');
  process.exit(1);
}
await import(cli.href);
