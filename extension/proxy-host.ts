/**
 * @module The child process's entry point: runs the proxy's own CLI, and shuts it down cleanly when VS Code goes
 * away. The IPC channel of `fork` closes even when the extension host is killed outright, so a proxy started by the
 * editor never outlives it (and keeps the port busy).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';

process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
// Listening for the channel must not keep short commands (`token`) alive; the server keeps `serve` running.
process.channel?.unref();
// As in bin/tokenwise.js: the ledger's WebAssembly SQLite stays on V8's baseline compiler (~50 MB less memory).
v8.setFlagsFromString('--liftoff-only');
void import(pathToFileURL(path.join(__dirname, '..', 'proxy', 'cli.js')).href);
