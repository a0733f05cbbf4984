/**
 * @module "Enable GPU acceleration", without VS Code: downloads the prebuilt llama.cpp backend packages
 * (`@node-llama-cpp/<platform>-cuda` + `-cuda-ext`, or `-vulkan`) of exactly the bundled node-llama-cpp version from
 * the user's npm registry, checks each tarball against the registry's `dist.integrity` (sha512) before unpacking,
 * and moves them into `<storage>/<version>/node_modules/@node-llama-cpp/` only when every package passed. Any failure
 * or a cancel removes the staging folder, so nothing is ever half-installed; the proxy resolves backends from that
 * folder (`TOKENWISE_LLAMA_BACKENDS_DIR`).
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { npmGet, type NpmNetwork } from './npm-network.ts';
import { untarPackage } from './untar.ts';

export interface InstallProgress {
  package: string;
  /** 1-based position of the package among those installed. */
  index: number;
  count: number;
  receivedBytes: number;
  /** 0 when the registry sent no length. */
  totalBytes: number;
}

export interface InstallOptions {
  packages: string[];
  /** The bundled node-llama-cpp's exact version: the backends must match it. */
  version: string;
  /** The extension's folder for backends (under its global storage). */
  storage: string;
  network: NpmNetwork;
  onProgress?: (progress: InstallProgress) => void;
  signal?: AbortSignal;
}

/** The folder the proxy resolves `@node-llama-cpp/*` from, for one node-llama-cpp version. */
export function backendsDir(storage: string, version: string): string {
  return path.join(storage, version);
}

/** The backend packages installed for `version`. */
export function installedBackends(storage: string, version: string): string[] {
  try {
    return fs
      .readdirSync(path.join(backendsDir(storage, version), 'node_modules', '@node-llama-cpp'))
      .map((name) => `@node-llama-cpp/${name}`);
  } catch {
    return [];
  }
}

interface Dist {
  tarball: string;
  integrity: string;
}

/** The tarball URL and integrity the registry publishes for `name@version`. */
async function distOf(name: string, version: string, network: NpmNetwork, signal?: AbortSignal): Promise<Dist> {
  const url = `${network.registry}${name.replace('/', '%2f')}`;
  let body = '';
  try {
    const response = await npmGet(url, network, signal);
    response.setEncoding('utf8');
    for await (const chunk of response) body += chunk;
  } catch (error) {
    signal?.throwIfAborted();
    throw new Error(`cannot read ${name} from the npm registry ${network.registry}: ${(error as Error).message}`);
  }
  const dist = (JSON.parse(body) as { versions?: Record<string, { dist?: Partial<Dist> }> }).versions?.[version]?.dist;
  if (!dist?.tarball) throw new Error(`the npm registry ${network.registry} has no ${name}@${version}`);
  if (!dist.integrity?.includes('sha512-'))
    throw new Error(`the npm registry publishes no sha512 integrity for ${name}@${version}: refused`);
  return { tarball: dist.tarball, integrity: dist.integrity };
}

/** Downloads `dist.tarball` to `file`, hashing as it goes, and refuses it unless its sha512 matches. */
async function download(
  name: string,
  dist: Dist,
  file: string,
  options: InstallOptions,
  position: Pick<InstallProgress, 'index' | 'count'>,
): Promise<void> {
  const response = await npmGet(dist.tarball, options.network, options.signal);
  const totalBytes = Number(response.headers['content-length'] ?? 0);
  const hash = createHash('sha512');
  let receivedBytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      receivedBytes += chunk.length;
      options.onProgress?.({ package: name, ...position, receivedBytes, totalBytes });
      callback(null, chunk);
    },
  });
  await pipeline(response, meter, fs.createWriteStream(file), { signal: options.signal });
  const actual = `sha512-${hash.digest('base64')}`;
  const expected = dist.integrity.split(/\s+/).filter((sri) => sri.startsWith('sha512-'));
  if (!expected.includes(actual)) {
    throw new Error(
      `${name}: the downloaded tarball does not match the registry's integrity (expected ${expected[0]}, got ${actual}); refused, nothing was installed`,
    );
  }
}

/** Installs `packages` at `version`; resolves with the folder to give the proxy. Rejects with the step that failed. */
export async function installBackend(options: InstallOptions): Promise<string> {
  const { packages, version, storage, signal } = options;
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version))
    throw new Error(`node-llama-cpp's version "${version}" is not exact: cannot pick matching backends`);
  fs.mkdirSync(storage, { recursive: true });
  // A staging folder left by a window that was killed mid-install is garbage.
  for (const name of fs.readdirSync(storage))
    if (name.startsWith('.staging-')) fs.rmSync(path.join(storage, name), { recursive: true, force: true });
  const staging = path.join(storage, `.staging-${randomUUID()}`);
  try {
    const unpacked: [string, string][] = [];
    for (const [i, name] of packages.entries()) {
      const dist = await distOf(name, version, options.network, signal);
      const file = path.join(staging, `${i}.tgz`);
      fs.mkdirSync(staging, { recursive: true });
      await download(name, dist, file, options, { index: i + 1, count: packages.length });
      const into = path.join(staging, 'node_modules', name);
      await untarPackage(file, into, signal);
      fs.rmSync(file);
      const manifest = JSON.parse(fs.readFileSync(path.join(into, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name !== name || manifest.version !== version)
        throw new Error(
          `${name}: the tarball holds ${manifest.name}@${manifest.version}, not ${name}@${version}; refused`,
        );
      unpacked.push([name, into]);
    }
    signal?.throwIfAborted();
    const dir = backendsDir(storage, version);
    for (const [name, from] of unpacked) {
      const to = path.join(dir, 'node_modules', name);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.rmSync(to, { recursive: true, force: true });
      fs.renameSync(from, to);
    }
    return dir;
  } catch (error) {
    if (signal?.aborted) throw new Error('the download was cancelled; nothing was installed');
    throw error;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Removes every installed backend (all versions); resolves with the packages removed. */
export function removeBackends(storage: string, version: string): string[] {
  const removed = installedBackends(storage, version);
  fs.rmSync(storage, { recursive: true, force: true });
  return removed;
}
