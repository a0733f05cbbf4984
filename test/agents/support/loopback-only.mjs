// Runs an agent in a network namespace of its own where only loopback exists (started as
// `unshare -rn node loopback-only.mjs <socket> <port> <command> [args…]`): the proxy's port is the one address it can
// reach, bridged to the real proxy through a unix socket, so an agent that tried to call anything else would fail.
// Plain JavaScript: it runs under plain node, inside the namespace.
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';

const [socket, port, command, ...args] = process.argv.slice(2);
execFileSync('ip', ['link', 'set', 'lo', 'up']);
const bridge = net.createServer((client) => {
  const proxy = net.connect(socket);
  client.pipe(proxy).pipe(client);
  client.on('error', () => proxy.destroy());
  proxy.on('error', () => client.destroy());
});
bridge.listen(Number(port), '127.0.0.1', () => {
  const agent = spawn(command, args, { stdio: 'inherit' });
  agent.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
});
