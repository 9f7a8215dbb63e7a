import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../plugins/elasticsearch/client.js';
import { ElasticsearchSink } from '../../plugins/elasticsearch/sink.js';

/**
 * The embedded node has no security (OSS), so TLS and authentication are checked against an https endpoint that
 * answers the two calls the sink makes, with a certificate from a CA made here; what matters is what the client
 * sends and whether it trusts the CA, not Elasticsearch's behaviour.
 */
const dir = mkdtempSync(join(tmpdir(), 'flowtrail-tls-'));
const seen: Array<{ path: string; authorization?: string }> = [];
let server: Server;
let url: string;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

beforeAll(async () => {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=flowtrail test CA',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  server = createServer(
    { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) },
    (req, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-elastic-product', 'Elasticsearch');
      if (req.url?.startsWith('/_bulk')) {
        res.end(JSON.stringify({ took: 1, errors: false, items: [{ create: { status: 201 } }] }));
      } else if (req.url === '/') {
        res.end(
          JSON.stringify({
            version: { number: '8.15.0', build_flavor: 'default' },
            tagline: 'You Know, for Search',
          }),
        );
      } else {
        res.end('{}');
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const record = { dataset: 'flowtrail.flows', id: 'x', doc: { '@timestamp': '2026-11-21T00:00:00.000Z' } };
const batch = [{ record, json: JSON.stringify(record.doc) }];

describe('secured clusters', () => {
  it('trusts the configured CA and sends the API key read from a file', async () => {
    writeFileSync(join(dir, 'api-key'), 'c2VjcmV0LWtleQ==\n');
    const client = createClient({ url, caFile: join(dir, 'ca.pem'), apiKeyFile: join(dir, 'api-key') }, {});
    const sink = new ElasticsearchSink(client, 'default', 'daily');
    seen.length = 0;
    expect(await sink.write(batch)).toEqual({ retry: [], rejected: [] });
    expect(seen.find((r) => r.path.startsWith('/_bulk'))?.authorization).toBe('ApiKey c2VjcmV0LWtleQ==');
    await client.close();
  });

  it('sends basic auth with the password from the environment', async () => {
    const client = createClient(
      { url, caFile: join(dir, 'ca.pem'), username: 'flowtrail' },
      { FLOWTRAIL_ES_PASSWORD: 'pa55' },
    );
    const sink = new ElasticsearchSink(client, 'default', 'daily');
    seen.length = 0;
    await sink.write(batch);
    const expected = `Basic ${Buffer.from('flowtrail:pa55').toString('base64')}`;
    expect(seen.find((r) => r.path.startsWith('/_bulk'))?.authorization).toBe(expected);
    await client.close();
  });

  it('refuses a certificate it was not told to trust (and says so as a retryable failure)', async () => {
    const client = createClient({ url }, {});
    const sink = new ElasticsearchSink(client, 'default', 'daily');
    await expect(sink.write(batch)).rejects.toThrow(/certificate|self.signed|unable to verify/i);
    await client.close();
  });

  it('reports a missing secret file clearly', () => {
    expect(() => createClient({ url, apiKeyFile: join(dir, 'nope') }, {})).toThrow(
      /cannot read api key file .*nope/,
    );
  });
});
