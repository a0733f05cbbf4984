/**
 * @module Which local model a calibration belongs to: a hash of the GGUF file's size and its first and last MiB.
 * Reading 2 MiB keys a multi-gigabyte file in milliseconds; two different models practically never share header,
 * tensor-table and tail bytes.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';

const SPAN = 1024 * 1024;

/** The model key of a GGUF file: `gguf:` and 16 hex digits. */
export async function modelKey(file: string): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const hash = createHash('sha256').update(String(size));
    for (const start of size > 2 * SPAN ? [0, size - SPAN] : [0]) {
      const buffer = Buffer.alloc(Math.min(size, size > 2 * SPAN ? SPAN : size));
      await handle.read(buffer, 0, buffer.length, start);
      hash.update(buffer);
    }
    return `gguf:${hash.digest('hex').slice(0, 16)}`;
  } finally {
    await handle.close();
  }
}
