// The floor for the overhead benchmark: the least a Node gateway can do — read the body, parse it, send it upstream
// on a keep-alive pool and pipe the answer back — with nothing else. The upstream comes from the request's
// x-portkey-custom-host header (every target gets the same headers). Prints "listening on URL".
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

const server = http.createServer(function forward(req, res) {
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => {
    const body = Buffer.concat(parts);
    JSON.parse(body.toString('utf8'));
    const upstream = http.request(
      `${req.headers['x-portkey-custom-host']}/chat/completions`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, {
          'content-type': answer.headers['content-type'] ?? 'application/json',
        });
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  });
});
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`),
);
// Exit cleanly on SIGINT, so a --cpu-prof profile is written (bench/profile-overhead.ts --forwarder).
process.on('SIGINT', () => process.exit(0));
