// The pieces of "Enable GPU acceleration" that need no registry: the npm settings it honours, the proxy it goes
// through, and the untar that must never write outside the package folder.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { npmGet, readNpmNetwork } from '../../extension/npm-network.ts';
import { untarPackage, UnsafeTarballError } from '../../extension/untar.ts';

/** A gzipped ustar archive of `entries` (type '0' file, '5' folder, '2' symlink). */
function tarball(entries: { name: string; type?: string; body?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { name, type = '0', body = '' } of entries) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100);
    header.write('0000644\0', 100);
    header.write(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
    header.write(type, 156);
    header.write('ustar\0', 257);
    blocks.push(header);
    const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
    data.write(body);
    blocks.push(data);
  }
  return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
}

function unpack(entries: Parameters<typeof tarball>[0]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-untar-'));
  fs.writeFileSync(path.join(dir, 'p.tgz'), tarball(entries));
  return {
    dir,
    target: path.join(dir, 'out'),
    run: () => untarPackage(path.join(dir, 'p.tgz'), path.join(dir, 'out')),
  };
}

test('untar drops package/ and writes files and folders, long names included', async () => {
  const long = `package/${'d'.repeat(90)}/${'f'.repeat(40)}.js`;
  const { dir, target, run } = unpack([
    { name: 'package/', type: '5' },
    { name: 'package/package.json', body: '{"name":"x"}' },
    { name: '././@LongLink', type: 'L', body: long },
    { name: long.slice(0, 99), body: 'long' },
  ]);
  assert.equal(await run(), 2);
  assert.equal(fs.readFileSync(path.join(target, 'package.json'), 'utf8'), '{"name":"x"}');
  assert.equal(fs.readFileSync(path.join(target, 'd'.repeat(90), `${'f'.repeat(40)}.js`), 'utf8'), 'long');
  fs.rmSync(dir, { recursive: true });
});

test('untar refuses paths that climb out, absolute paths and links', async () => {
  for (const entry of [
    { name: 'package/../../escape.txt', body: 'x' },
    { name: '/etc/escape', body: 'x' },
    { name: 'package/link', type: '2' },
  ]) {
    const { dir, run } = unpack([entry]);
    await assert.rejects(run(), UnsafeTarballError, entry.name);
    assert.ok(!fs.existsSync(path.join(dir, '..', 'escape.txt')) && !fs.existsSync(path.join(dir, 'escape.txt')));
    fs.rmSync(dir, { recursive: true });
  }
});

test('npm settings: env beats .npmrc, the scope registry beats the default, proxies and the registry token', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-npmrc-'));
  fs.writeFileSync(
    path.join(home, '.npmrc'),
    '; comment\nregistry=https://npm.example.com/repo\nhttps-proxy=http://proxy.example.com:3128\n//npm.example.com/repo/:_authToken=${NPM_TOKEN}\n',
  );
  assert.deepEqual(readNpmNetwork({ NPM_TOKEN: 'secret' }, home), {
    registry: 'https://npm.example.com/repo/',
    proxy: 'http://proxy.example.com:3128',
    noProxy: [],
    authToken: 'secret',
  });
  assert.equal(readNpmNetwork({ npm_config_registry: 'http://127.0.0.1:9/' }, home).registry, 'http://127.0.0.1:9/');
  fs.appendFileSync(path.join(home, '.npmrc'), '@node-llama-cpp:registry=https://mirror.example.com/\n');
  assert.equal(readNpmNetwork({}, home).registry, 'https://mirror.example.com/');
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-npmrc-'));
  assert.deepEqual(readNpmNetwork({ HTTPS_PROXY: 'http://corp:8080', NO_PROXY: 'localhost,.internal' }, bare), {
    registry: 'https://registry.npmjs.org/',
    proxy: 'http://corp:8080',
    noProxy: ['localhost', '.internal'],
  });
  fs.rmSync(home, { recursive: true });
  fs.rmSync(bare, { recursive: true });
});

test('an http registry is fetched through the configured proxy (absolute-URL request), NO_PROXY bypasses it', async () => {
  const seen: string[] = [];
  const proxy = http.createServer((req, res) => {
    seen.push(`${req.url} host=${req.headers.host}`);
    res.end('via proxy');
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  try {
    const response = await npmGet('http://registry.invalid/pkg', {
      registry: 'http://registry.invalid/',
      proxy: proxyUrl,
      noProxy: [],
    });
    let body = '';
    for await (const chunk of response) body += chunk;
    assert.equal(body, 'via proxy');
    assert.deepEqual(seen, ['http://registry.invalid/pkg host=registry.invalid']);
    await assert.rejects(
      npmGet('http://registry.invalid/pkg', {
        registry: 'http://registry.invalid/',
        proxy: proxyUrl,
        noProxy: ['.invalid'],
      }),
    );
    assert.equal(seen.length, 1, 'bypassed: went direct (and failed to resolve the .invalid host)');
  } finally {
    proxy.close();
  }
});
