// Fake Hugging Face Hub on loopback, speaking just what node-llama-cpp's downloader asks for:
//   GET /v2/<user>/<repo>/manifests/<tag>        → {"ggufFile":{"rfilename":...}} (for `hf:user/repo:TAG`)
//   GET|HEAD /<user>/<repo>/resolve/<rev>/<file> → the bytes, honouring `Range: bytes=a-b` with 206
// Bodies go out in several chunks (with an optional delay between them) so download progress fires more than once.
// Point node-llama-cpp at it with `process.env.HF_ENDPOINT = fake.url`.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeHuggingFaceOptions {
  /** "user/repo/file.gguf" → bytes. */
  files: Record<string, Buffer>;
  /** "user/repo:TAG" → the rfilename the manifest names (a key of `files` without "user/repo/"). */
  manifests?: Record<string, string>;
  /** Delay between body chunks. Default 0 (chunks are still separate writes). */
  chunkDelayMs?: number;
  /** Number of chunks a body is split into. Default 8. */
  chunks?: number;
}

export interface FakeHuggingFaceRequest {
  method: string;
  /** Path with query string, as received. */
  path: string;
  headers: IncomingHttpHeaders;
}

export interface FakeHuggingFace {
  /** Base URL, no trailing slash: use it as HF_ENDPOINT. */
  url: string;
  requests: FakeHuggingFaceRequest[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function notFound(res: ServerResponse, what: string): void {
  const body = JSON.stringify({ error: `${what} not found` });
  res.writeHead(404, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-error-code': 'EntryNotFound',
  });
  res.end(body);
}

/** Parses a single `bytes=a-b` / `bytes=a-` / `bytes=-n` range; undefined when absent, null when unsatisfiable. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number, end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start > end || start >= size ? null : { start, end };
}

export async function startFakeHuggingFace(opts: FakeHuggingFaceOptions): Promise<FakeHuggingFace> {
  const requests: FakeHuggingFaceRequest[] = [];
  const sockets = new Set<Socket>();
  const chunkCount = Math.max(1, opts.chunks ?? 8);
  let closing = false;

  const server = createServer(async (req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers } });
    const { pathname } = new URL(req.url ?? '/', 'http://fake-hf');
    const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-length': 0 });
      return res.end();
    }

    // /v2/<user>/<repo>/manifests/<tag>
    if (parts[0] === 'v2' && parts.length === 5 && parts[3] === 'manifests') {
      const rfilename = opts.manifests?.[`${parts[1]}/${parts[2]}:${parts[4]}`];
      if (rfilename === undefined) return notFound(res, 'manifest');
      const body = JSON.stringify({
        ggufFile: {
          rfilename,
          blobId: 'sha256:fake',
          size: opts.files[`${parts[1]}/${parts[2]}/${rfilename}`]?.length ?? 0,
        },
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }

    // /<user>/<repo>/resolve/<rev>/<file...>
    if (parts.length >= 5 && parts[2] === 'resolve') {
      const file = opts.files[`${parts[0]}/${parts[1]}/${parts.slice(4).join('/')}`];
      if (!file) return notFound(res, 'file');
      const range = parseRange(req.headers.range, file.length);
      if (range === null) {
        res.writeHead(416, { 'content-range': `bytes */${file.length}`, 'content-length': 0 });
        return res.end();
      }
      const { start, end } = range ?? { start: 0, end: file.length - 1 };
      const body = file.subarray(start, end + 1);
      const headers: Record<string, string | number> = {
        'content-type': 'application/octet-stream',
        'content-length': body.length,
        'accept-ranges': 'bytes',
        etag: `"fake-${file.length}"`,
      };
      if (range) headers['content-range'] = `bytes ${start}-${end}/${file.length}`;
      res.writeHead(range ? 206 : 200, headers);
      if (req.method === 'HEAD') return res.end();

      const step = Math.ceil(body.length / chunkCount) || 1;
      for (let at = 0; at < body.length; at += step) {
        if (closing || res.destroyed) return;
        if (at > 0) await sleep(opts.chunkDelayMs ?? 0);
        if (closing || res.destroyed) return;
        if (!res.write(body.subarray(at, at + step))) await new Promise((resolve) => res.once('drain', resolve));
      }
      return res.end();
    }

    return notFound(res, 'route');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close() {
      closing = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
