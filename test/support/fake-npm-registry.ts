// Fake npm registry on loopback, speaking what a package install asks for:
//   GET /<@scope%2fname>       → the packument: {name, versions: {<v>: {name, version, dist: {tarball, integrity}}}}
//   GET /-/<file>.tgz          → the tarball bytes (content-length set), in several writes so progress fires often
// Tarballs are real `npm pack` output of installed packages, with the integrity the real registry would publish
// (sha512 SRI of the bytes). `tamper` serves altered bytes under the honest integrity.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface FakeNpmPackage {
  name: string;
  version: string;
  /** The packed tarball. */
  file: string;
}

export interface FakeNpmRegistry {
  /** Base URL with a trailing slash: use it as the npm registry. */
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Serve tarballs with one byte flipped from now on. */
  tamper: boolean;
  close(): Promise<void>;
}

/** `npm pack` of an installed package (cached in the temp folder by name and version: packing takes seconds). */
export function packInstalled(dir: string): FakeNpmPackage {
  const { name, version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const cache = path.join(os.tmpdir(), 'tokenwise-npm-pack');
  const file = path.join(cache, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(cache, { recursive: true });
    const partial = fs.mkdtempSync(path.join(cache, 'pack-'));
    execFileSync('npm', ['pack', dir, '--pack-destination', partial, '--silent', '--ignore-scripts'], {
      stdio: 'ignore',
    });
    fs.renameSync(path.join(partial, path.basename(file)), file);
    fs.rmSync(partial, { recursive: true, force: true });
  }
  return { name, version, file };
}

/** Serves `packages` on an ephemeral loopback port until `close()`. */
export async function startFakeNpmRegistry(packages: FakeNpmPackage[]): Promise<FakeNpmRegistry> {
  const integrity = new Map(
    packages.map((p) => [p.file, `sha512-${createHash('sha512').update(fs.readFileSync(p.file)).digest('base64')}`]),
  );
  const registry: FakeNpmRegistry = { url: '', requests: [], tamper: false, close: async () => {} };
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    registry.requests.push(url);
    const tarball = packages.find((p) => url === `/-/${path.basename(p.file)}`);
    if (tarball) {
      const bytes = Buffer.from(fs.readFileSync(tarball.file));
      if (registry.tamper) bytes[bytes.length >> 1] ^= 0xff;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
      const step = Math.ceil(bytes.length / 16);
      for (let at = 0; at < bytes.length; at += step) res.write(bytes.subarray(at, at + step));
      res.end();
      return;
    }
    const name = decodeURIComponent(url.slice(1));
    const versions = packages.filter((p) => p.name === name);
    if (!versions.length) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Not found' }));
      return;
    }
    const body = {
      name,
      versions: Object.fromEntries(
        versions.map((p) => [
          p.version,
          {
            name,
            version: p.version,
            dist: { tarball: `${registry.url}-/${path.basename(p.file)}`, integrity: integrity.get(p.file) },
          },
        ]),
      ),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  registry.close = () => new Promise((resolve) => server.close(() => resolve()));
  return registry;
}
