/**
 * @module `npm run package`: builds the .vsix. The bundles in dist/ hold everything except the proxy's two runtime
 * modules that cannot be bundled: node-llama-cpp (native; loads its prebuilt binaries from its own folder) and
 * node-sqlite3-wasm (finds its .wasm beside itself). `vsce package --no-dependencies` never packs node_modules/, so
 * they are staged with their runtime dependencies under dist/node_modules/ — Node finds them there from
 * dist/proxy/cli.js — keeping only this platform's CPU build of llama.cpp (the CUDA and Vulkan builds are 600 MB).
 *
 * @example
 * node --import tsx extension/vsix.ts [--out FILE]   # after `node esbuild.config.js`
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const RUNTIME_MODULES = ['node-llama-cpp', 'node-sqlite3-wasm'];
/** VS Code's name for this platform, which is also the .vsix's target. */
const target = `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
const llamaPlatform = `${{ win32: 'win', darwin: 'mac' }[process.platform as string] ?? process.platform}-${process.arch}`;

/** Files a package never needs at run time. */
const SKIP = [/^node-llama-cpp\/llama\/gitRelease\.bundle$/, /\.map$/, /\.d\.[cm]?ts$/];

interface Pkg {
  name: string;
  /** Folder relative to the repository root, e.g. `node_modules/a/node_modules/b`. */
  dir: string;
}

/** The runtime modules and everything they load, found the way Node resolves them. */
export function runtimeClosure(names: string[], from = root): Pkg[] {
  const found = new Map<string, Pkg>();
  const visit = (name: string, fromDir: string, optional: boolean) => {
    if (name.startsWith('@node-llama-cpp/') && !new RegExp(`^@node-llama-cpp/${llamaPlatform}(-metal)?$`).test(name)) return;
    const dir = resolvePackage(name, fromDir, from);
    if (!dir) {
      if (optional) return;
      throw new Error(`${name} (needed by ${path.relative(from, fromDir) || 'the proxy'}) is not installed: run npm ci`);
    }
    const rel = path.relative(from, dir);
    if (found.has(rel)) return;
    found.set(rel, { name, dir: rel });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: object; optionalDependencies?: object };
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  for (const name of names) visit(name, from, false);
  return [...found.values()].sort((a, b) => a.dir.localeCompare(b.dir));
}

function resolvePackage(name: string, fromDir: string, stop: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === stop || path.dirname(dir) === dir) return undefined;
  }
}

function copyPackage(pkg: Pkg, stage: string): void {
  fs.cpSync(path.join(root, pkg.dir), path.join(stage, 'dist', pkg.dir), {
    recursive: true,
    // Nested node_modules are packages of their own: copied when the closure needs them.
    filter: (source) => {
      const rel = path.relative(path.join(root, pkg.dir), source);
      return !rel.split(path.sep).includes('node_modules') && !SKIP.some((re) => re.test(`${pkg.name}/${rel.split(path.sep).join('/')}`));
    },
  });
}

/** Copies the proxy's runtime modules (this platform's CPU build only) under `stage`/dist/node_modules. */
export function stageRuntime(stage: string): Pkg[] {
  const closure = runtimeClosure(RUNTIME_MODULES);
  for (const pkg of closure) copyPackage(pkg, stage);
  return closure;
}

function main(): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  const outFlag = process.argv.indexOf('--out');
  const out = path.resolve(outFlag > 0 ? process.argv[outFlag + 1]! : path.join(root, `${manifest.name}-${target}-${manifest.version}.vsix`));
  for (const bundle of ['dist/extension/extension.cjs', 'dist/extension/proxy-host.cjs', 'dist/proxy/cli.js', 'dist/webview/panel.js']) {
    if (!fs.existsSync(path.join(root, bundle))) throw new Error(`${bundle} is missing: run node esbuild.config.js first`);
  }
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-vsix-'));
  try {
    for (const file of ['package.json', 'README.md', 'LICENSE', '.vscodeignore']) fs.copyFileSync(path.join(root, file), path.join(stage, file));
    for (const dir of ['dist/extension', 'dist/proxy', 'dist/webview', 'extension/media']) {
      fs.cpSync(path.join(root, dir), path.join(stage, dir), { recursive: true, filter: (source) => !source.endsWith('.map') });
    }
    console.log(`staged ${stageRuntime(stage).length} runtime packages for ${target}`);
    const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
    const result = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--target', target, '--out', out], { cwd: stage, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`vsce package failed (${result.status ?? result.signal})`);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) main();
