/**
 * @module The one SQLite file (ledger + persistent cache), through SQLite's WebAssembly build so it loads unchanged
 * in plain Node and in VS Code's extension host. Opening it claims it, sets durable pragmas and runs migrations.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Database } from 'node-sqlite3-wasm';
import { migrations } from './migrations.ts';

// CommonJS package with a .wasm beside it: loaded through require so its own __dirname finds the binary.
const sqlite = () => createRequire(import.meta.url)('node-sqlite3-wasm') as typeof import('node-sqlite3-wasm');

export type { Database };

/** Opens (creating if needed) the data file for writing, recovering from a previous crash. */
export function openDatabase(file: string, log?: (line: string) => void): Database {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  claim(file, log);
  const db = new (sqlite().Database)(file);
  // The file holds cached answers and what every request cost: the user's alone, like the token.
  fs.chmodSync(file, 0o600);
  // Rollback journal + full sync: a commit is on disk before the next one starts, even across kill -9.
  db.exec('PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL;');
  migrate(db);
  return db;
}

/** Opens the data file read-only (the CLI, while no proxy is running). */
export function openDatabaseReadOnly(file: string): Database {
  return new (sqlite().Database)(file, { readOnly: true, fileMustExist: true });
}

/** Closes the file and gives up the claim. */
export function closeDatabase(db: Database, file: string): void {
  if (db.isOpen) db.close();
  fs.rmSync(`${file}.owner`, { force: true });
}

function migrate(db: Database): void {
  const version = (db.get('PRAGMA user_version') as { user_version: number }).user_version;
  for (let v = version; v < migrations.length; v++) {
    db.exec('BEGIN');
    db.exec(migrations[v]!);
    db.exec(`PRAGMA user_version = ${v + 1}`);
    db.exec('COMMIT');
  }
}

/**
 * SQLite's WebAssembly VFS locks with a `<file>.lock` directory, which a killed process leaves behind and which
 * would then block every later write. The owner file names the process that last opened the file: if that process
 * is gone, its lock is stale and is removed.
 */
function claim(file: string, log?: (line: string) => void): void {
  const owner = `${file}.owner`;
  const previous = Number(fs.existsSync(owner) ? fs.readFileSync(owner, 'utf8') : NaN);
  if (!(previous > 0 && previous !== process.pid && isAlive(previous)) && fs.existsSync(`${file}.lock`)) {
    fs.rmSync(`${file}.lock`, { recursive: true, force: true });
    log?.(`removed the database lock left by a process that is gone (${file}.lock)`);
  }
  fs.writeFileSync(owner, String(process.pid));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
