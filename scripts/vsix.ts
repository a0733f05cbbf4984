/**
 * @module `npm run package`: builds the .vsix. The bundles in dist/ hold everything except the proxy's two runtime
 * modules that cannot be bundled: node-llama-cpp (native; loads its prebuilt binaries from its own folder) and
 * node-sqlite3-wasm (finds its .wasm beside itself). `vsce package --no-dependencies` never packs node_modules/, so
 * they are staged with their runtime dependencies under dist/node_modules/ — Node finds them there from
 * dist/proxy/cli.js — keeping only the target platform's CPU (or Metal) build of llama.cpp: the CUDA and Vulkan builds
 * are 600 MB, and the extension downloads them on demand ("Enable GPU acceleration"). One .vsix per VS Code target;
 * a target's build that is not installed here is fetched from the npm registry, checked against its integrity.
 *
 * @example
 * node --import tsx scripts/vsix.ts [--target linux-x64,darwin-arm64 | --target all] [--out FILE]   # after `node esbuild.config.js`
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseBackendPackage } from '../shared/llama-backends.ts';
import { installBackend } from '../extension/gpu-install.ts';
import { readNpmNetwork } from '../extension/npm-network.ts';

const root = path.resolve(import.meta.dirname, '..');
const RUNTIME_MODULES = ['node-llama-cpp', 'node-sqlite3-wasm'];
/** The extension's Marketplace page, packed as the .vsix's README. */
const EXTENSION_README = 'extension/README.md';
/** VS Code's names for the platforms a .vsix is built for. */
export const TARGETS = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'darwin-x64', 'win32-x64'] as const;
/** VS Code's name for this platform. */
const hostTarget = `${process.platform}-${process.arch}`;

/** The llama.cpp build a target's .vsix carries, e.g. `@node-llama-cpp/mac-arm64-metal` for darwin-arm64. */
export function targetBackend(target: string): string {
  const [platform, arch] = target.split('-') as [string, string];
  return baseBackendPackage(platform, arch);
}

/** Files a package never needs at run time. */
const SKIP = [/^node-llama-cpp\/llama\/gitRelease\.bundle$/, /\.map$/, /\.d\.[cm]?ts$/];

interface Pkg {
  name: string;
  /** Folder relative to the repository root, e.g. `node_modules/a/node_modules/b`. */
  dir: string;
}

/** The runtime modules and everything they load, found the way Node resolves them, with `backend` the only llama.cpp build. */
export function runtimeClosure(names: string[], from = root, backend = targetBackend(hostTarget)): Pkg[] {
  const found = new Map<string, Pkg>();
  const visit = (name: string, fromDir: string, optional: boolean) => {
    if (name.startsWith('@node-llama-cpp/') && name !== backend) return;
    const dir = resolvePackage(name, fromDir, from);
    if (!dir) {
      if (optional) return;
      throw new Error(
        `${name} (needed by ${path.relative(from, fromDir) || 'the proxy'}) is not installed: run npm ci`,
      );
    }
    const rel = path.relative(from, dir);
    if (found.has(rel)) return;
    found.set(rel, { name, dir: rel });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies?: object;
      optionalDependencies?: object;
    };
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
      return (
        !rel.split(path.sep).includes('node_modules') &&
        !SKIP.some((re) => re.test(`${pkg.name}/${rel.split(path.sep).join('/')}`))
      );
    },
  });
}

/** Copies the proxy's runtime modules (the target's llama.cpp build only) under `stage`/dist/node_modules. */
export function stageRuntime(stage: string, target = hostTarget): Pkg[] {
  const closure = runtimeClosure(RUNTIME_MODULES, root, targetBackend(target));
  for (const pkg of closure) copyPackage(pkg, stage);
  return closure;
}

/** Stages a target's llama.cpp build that npm did not install here (another platform's), fetched and verified. */
async function fetchBackend(target: string, stage: string, closure: Pkg[]): Promise<void> {
  const name = targetBackend(target);
  if (closure.some((pkg) => pkg.name === name)) return;
  const llama = closure.find((pkg) => pkg.name === 'node-llama-cpp')!;
  const { version } = JSON.parse(fs.readFileSync(path.join(root, llama.dir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const cache = path.join(os.tmpdir(), 'tokenwise-vsix-backends');
  const network = readNpmNetwork();
  console.log(`fetching ${name}@${version} for ${target} from ${network.registry}`);
  const dir = await installBackend({ packages: [name], version, storage: cache, network });
  fs.cpSync(path.join(dir, 'node_modules', name), path.join(stage, 'dist', 'node_modules', name), { recursive: true });
}

async function packageTarget(target: string, out: string): Promise<void> {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-vsix-'));
  try {
    for (const file of ['package.json', 'LICENSE', '.vscodeignore'])
      fs.copyFileSync(path.join(root, file), path.join(stage, file));
    // vsce makes the stage's README.md the Marketplace page: the extension's own, not the repository's.
    fs.copyFileSync(path.join(root, EXTENSION_README), path.join(stage, 'README.md'));
    for (const dir of ['dist/extension', 'dist/proxy', 'dist/webview', 'extension/media', 'schemas']) {
      fs.cpSync(path.join(root, dir), path.join(stage, dir), {
        recursive: true,
        filter: (source) => !source.endsWith('.map'),
      });
    }
    const closure = stageRuntime(stage, target);
    await fetchBackend(target, stage, closure);
    console.log(`staged the runtime packages for ${target} (llama.cpp: ${targetBackend(target)})`);
    const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
    const result = spawnSync(
      process.execPath,
      [vsce, 'package', '--no-dependencies', '--target', target, '--out', out],
      { cwd: stage, stdio: 'inherit' },
    );
    if (result.status !== 0) throw new Error(`vsce package failed for ${target} (${result.status ?? result.signal})`);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const flag = (name: string) =>
    process.argv.indexOf(name) > 0 ? process.argv[process.argv.indexOf(name) + 1] : undefined;
  const asked = flag('--target');
  const targets = asked === 'all' ? [...TARGETS] : (asked?.split(',') ?? [hostTarget]);
  const unknown = targets.filter((t) => !(TARGETS as readonly string[]).includes(t));
  if (unknown.length) throw new Error(`unknown target ${unknown.join(', ')}: expected ${TARGETS.join(', ')} or all`);
  const out = flag('--out');
  if (out && targets.length > 1) throw new Error('--out names one file: give one --target');
  for (const bundle of [
    'dist/extension/extension.cjs',
    'dist/extension/proxy-host.cjs',
    'dist/proxy/cli.js',
    'dist/webview/panel.js',
  ]) {
    if (!fs.existsSync(path.join(root, bundle)))
      throw new Error(`${bundle} is missing: run node esbuild.config.js first`);
  }
  for (const target of targets)
    await packageTarget(
      target,
      path.resolve(out ?? path.join(root, `${manifest.name}-${target}-${manifest.version}.vsix`)),
    );
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
