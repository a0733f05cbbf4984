// Four bundles, built separately: the proxy (ESM, Node), the extension (CommonJS, VS Code's extension host), the
// extension's prompt analysis (CommonJS, loaded on first use) and the webview (browser). node-llama-cpp stays
// external: it is native and loads its own prebuilt binaries.
import fs from 'node:fs';
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' };
// In a CommonJS bundle import.meta is empty: a module that resolves a path beside itself at load (the router's
// shipped weights, reached through the usage lever) would throw only when the extension runs it. Its directory is
// the bundle's; any other import.meta use fails the build instead.
const commonJs = { format: 'cjs', logOverride: { 'empty-import-meta': 'error' } };
const commonJsDefine = { 'import.meta.dirname': '__dirname' };

const builds = [
  {
    ...common,
    entryPoints: { cli: 'proxy/cli/main.ts' },
    outdir: 'dist/proxy',
    platform: 'node',
    format: 'esm',
    // What loads on first use (the tokenizer's 3.4 MB rank tables, genai-prices, prom-client, the eval and lint
    // commands) goes into chunks beside cli.js, so a proxy that never needs them never holds their source in memory.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    minifyWhitespace: true,
    minifySyntax: true,
    target: 'node20',
    // node-sqlite3-wasm finds its .wasm beside its own file. The prompt parsers (lint-prompts only) load from
    // node_modules on first use, so the proxy never parses the 9 MB compiler.
    external: ['node-llama-cpp', 'node-sqlite3-wasm', 'typescript', 'web-tree-sitter'],
    // express and friends are CommonJS and call require() at run time.
    banner: {
      js: "import { createRequire as __twCreateRequire } from 'node:module'; const require = __twCreateRequire(import.meta.url);",
    },
  },
  {
    ...common,
    // The extension, and the child process's entry that runs the proxy bundle and stops it when VS Code goes away.
    entryPoints: { extension: 'extension/extension.ts', 'proxy-host': 'extension/proxy-host.ts' },
    outdir: 'dist/extension',
    outExtension: { '.js': '.cjs' },
    platform: 'node',
    ...commonJs,
    define: commonJsDefine,
    target: 'node20',
    external: ['vscode'],
  },
  {
    ...common,
    // The prompt analysis for the extension's inline hints: loaded on first use, so its 9 MB of TypeScript compiler
    // never slows activation. web-tree-sitter is ESM inside: its import.meta.url becomes the bundle's own URL.
    entryPoints: { 'prompt-analysis': 'extension/prompt-analysis.ts' },
    outdir: 'dist/extension',
    outExtension: { '.js': '.cjs' },
    platform: 'node',
    ...commonJs,
    target: 'node20',
    minify: true,
    define: { ...commonJsDefine, 'import.meta.url': '__twBundleUrl' },
    banner: { js: "const __twBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  },
  {
    ...common,
    // The panel's script; the CSS it imports comes out beside it as panel.css.
    entryPoints: { panel: 'webview/main.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

// Chunk names carry a content hash: clear the old ones rather than ship every build's.
if (!watch) fs.rmSync('dist/proxy/chunks', { recursive: true, force: true });
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
// The Python grammar and tree-sitter's runtime, beside the bundle that loads them.
fs.mkdirSync('dist/extension', { recursive: true });
fs.copyFileSync('node_modules/web-tree-sitter/web-tree-sitter.wasm', 'dist/extension/web-tree-sitter.wasm');
fs.copyFileSync('node_modules/tree-sitter-python/tree-sitter-python.wasm', 'dist/extension/tree-sitter-python.wasm');
