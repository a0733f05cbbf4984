/**
 * @module `tokenwise eval cache --calibrate --save`: writes the calibrated similarity threshold into the config file,
 * so a GGUF embedder runs on its own threshold (and no longer needs the verifier on every candidate).
 */
import fs from 'node:fs';
import path from 'node:path';

/** Sets `cache.semantic.embedder` and `cache.semantic.threshold` in the JSON config `file`, keeping everything else. */
export function saveThreshold(file: string, embedder: string, threshold: number): void {
  const config = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const cache = (config.cache ??= {}) as Record<string, unknown>;
  const semantic = (cache.semantic ??= {}) as Record<string, unknown>;
  Object.assign(semantic, { embedder, threshold });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
}
