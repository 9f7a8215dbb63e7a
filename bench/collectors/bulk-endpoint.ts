/**
 * A bench-only stand-in for Elasticsearch that acknowledges every `_bulk` at once, so that a collector writing to
 * Elasticsearch is measured rather than the node behind it. It answers what flowtrail and Filebeat ask before they
 * write (root info, license, templates) as a default-distribution 8.x node would, and counts the documents it
 * acknowledged. Runs in a process of its own; prints `{"port": n}` once listening.
 *
 *   node --import tsx bench/collectors/bulk-endpoint.ts
 *   GET /_bench/stats -> {"documents": n, "bulks": n, "by_index": {name: n}}
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';

let documents = 0;
let bulks = 0;
/** Documents per index (data stream) named in the action lines; `_bulk` requests without one count under `-`. */
const byIndex = new Map<string, number>();

function indexOf(actionLine: string): string {
  const at = actionLine.indexOf('"_index":"');
  return at === -1 ? '-' : actionLine.slice(at + 10, actionLine.indexOf('"', at + 10));
}

const ROOT = {
  name: 'bench',
  cluster_name: 'bench',
  cluster_uuid: 'bench-endpoint',
  version: {
    number: '8.17.0',
    build_flavor: 'default',
    build_type: 'tar',
    lucene_version: '9.12.0',
    minimum_wire_compatibility_version: '7.17.0',
    minimum_index_compatibility_version: '7.0.0',
  },
  tagline: 'You Know, for Search',
};
const LICENSE = {
  license: { status: 'active', uid: 'bench', type: 'basic', issue_date_in_millis: 0, max_nodes: 1000 },
};

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-elastic-product': 'Elasticsearch',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** One item per action line: its operation and a success status, in the order of the request. */
function acknowledge(body: string): string {
  const items: string[] = [];
  let at = 0;
  let action = true;
  while (at < body.length) {
    let end = body.indexOf('\n', at);
    if (end === -1) end = body.length;
    if (end > at) {
      if (action) {
        const op = body.slice(at + 2, body.indexOf('"', at + 2));
        const index = indexOf(body.slice(at, end));
        byIndex.set(index, (byIndex.get(index) ?? 0) + 1);
        items.push(`{"${op}":{"status":${op === 'create' ? 201 : 200},"result":"created"}}`);
        // A delete has no document line after it.
        action = op === 'delete';
      } else {
        action = true;
      }
    }
    at = end + 1;
  }
  documents += items.length;
  bulks++;
  return `{"took":0,"errors":false,"items":[${items.join(',')}]}`;
}

/** The status and body answering `req`. */
function answer(req: IncomingMessage, body: string): [number, unknown] {
  const path = (req.url ?? '/').split('?')[0];
  if (path.endsWith('/_bulk')) return [200, acknowledge(body)];
  if (path === '/_bench/stats') return [200, { documents, bulks, by_index: Object.fromEntries(byIndex) }];
  if (path === '/') return [200, ROOT];
  if (path === '/_license' || path === '/_xpack') return [200, { ...LICENSE, features: {} }];
  // As a node with security off answers: collectors then skip their privilege checks.
  if (path.startsWith('/_security/')) return [400, { error: 'security is not enabled', status: 400 }];
  if (req.method === 'GET' || req.method === 'HEAD') return [404, { error: 'not found', status: 404 }];
  return [200, { acknowledged: true }];
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    // Filebeat compresses its bulk requests.
    const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
    const [status, body] = answer(req, text);
    reply(res, status, body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
