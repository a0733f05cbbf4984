/**
 * @module Unpacks an npm package tarball (gzip + ustar, with pax and GNU long names) into a folder, streaming. The
 * leading `package/` folder is dropped. Only plain files and folders are accepted: links, devices, absolute paths
 * and paths that climb out of the target are refused, so a hostile tarball cannot write outside it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';

const BLOCK = 512;

/** The tarball holds something a package never should. */
export class UnsafeTarballError extends Error {}

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? length : end).toString('utf8');
}

function octal(block: Buffer, start: number, length: number): number {
  // Sizes past 8 GB use base-256; no npm package comes close, so that is refused rather than parsed.
  if (block[start]! & 0x80) throw new UnsafeTarballError('tar entry too large');
  return parseInt(text(block, start, length).trim() || '0', 8);
}

/** The path inside `target` an entry named `name` goes to (after dropping `package/`), or an error. */
export function entryPath(target: string, name: string): string | undefined {
  const parts = name
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p && p !== '.');
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name) || parts.includes('..'))
    throw new UnsafeTarballError(`tar entry "${name}" points outside the package`);
  const rest = parts.slice(1);
  if (!rest.length) return undefined;
  const full = path.resolve(target, ...rest);
  if (!full.startsWith(path.resolve(target) + path.sep))
    throw new UnsafeTarballError(`tar entry "${name}" points outside the package`);
  return full;
}

/** Unpacks the gzipped tarball at `file` into `target` (created); resolves with the number of files written. */
export async function untarPackage(file: string, target: string, signal?: AbortSignal): Promise<number> {
  fs.mkdirSync(target, { recursive: true });
  let buffer: Buffer = Buffer.alloc(0);
  let files = 0;
  /** The entry whose data is being read. */
  let entry:
    | { remaining: number; padding: number; type: string; handle?: fs.promises.FileHandle; data: Buffer[] }
    | undefined;
  let longName: string | undefined;
  let ended = false;

  const startEntry = async (header: Buffer) => {
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 0x30);
    const ustarPrefix = text(header, 257, 5) === 'ustar' ? text(header, 345, 155) : '';
    const name = longName ?? (ustarPrefix ? `${ustarPrefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === 'x' || type === 'g' || type === 'L') {
      entry = { remaining: size, padding, type, data: [] };
      return;
    }
    longName = undefined;
    const to = entryPath(target, name);
    if (type === '5') {
      if (to) fs.mkdirSync(to, { recursive: true });
      entry = { remaining: size, padding, type, data: [] };
    } else if (type === '0' || type === '7') {
      if (!to) throw new UnsafeTarballError(`tar entry "${name}" has no file name`);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      // Keep the executable bits (the prebuilt binaries need them); never more than the owner's umask allows.
      const handle = await fs.promises.open(to, 'w', (octal(header, 100, 8) & 0o755) | 0o600);
      files += 1;
      entry = { remaining: size, padding, type, handle, data: [] };
    } else {
      throw new UnsafeTarballError(
        `tar entry "${name}" is a ${type === '1' || type === '2' ? 'link' : `type-${type} entry`}; npm packages hold only files and folders`,
      );
    }
  };

  const endEntry = async () => {
    const done = entry!;
    entry = undefined;
    await done.handle?.close();
    const body = Buffer.concat(done.data).toString('utf8');
    if (done.type === 'L') longName = body.replace(/\0+$/, '');
    if (done.type === 'x') {
      // pax records: "<length> <key>=<value>\n"; only the path matters here.
      const match = body.match(/(?:^|\n)\d+ path=([^\n]*)\n/);
      if (match) longName = match[1];
    }
  };

  const gunzip = fs.createReadStream(file).pipe(createGunzip());
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      signal?.throwIfAborted();
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      while (!ended) {
        if (entry && entry.remaining > 0) {
          if (!buffer.length) break;
          const take = buffer.subarray(0, Math.min(entry.remaining, buffer.length));
          buffer = buffer.subarray(take.length);
          entry.remaining -= take.length;
          if (entry.handle) await entry.handle.write(take);
          else if (entry.type !== '5') entry.data.push(Buffer.from(take));
          continue;
        }
        if (entry) {
          if (buffer.length < entry.padding) break;
          buffer = buffer.subarray(entry.padding);
          await endEntry();
          continue;
        }
        if (buffer.length < BLOCK) break;
        const header = buffer.subarray(0, BLOCK);
        buffer = buffer.subarray(BLOCK);
        if (header.every((b) => b === 0)) ended = true;
        else await startEntry(Buffer.from(header));
      }
    }
  } finally {
    await entry?.handle?.close();
    gunzip.destroy();
  }
  if (entry || !ended) throw new UnsafeTarballError('the tarball ends in the middle of an entry');
  return files;
}
