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
const seen: Array<{ path: string; authorization?: string; encoding?: string }> = [];
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
    // The chain up to the CA, as Elasticsearch 8 sends it: a client pinning the CA's fingerprint needs it.
    {
      key: readFileSync(join(dir, 'server.key')),
      cert: Buffer.concat([readFileSync(join(dir, 'server.pem')), readFileSync(join(dir, 'ca.pem'))]),
    },
    (req, res) => {
      seen.push({
        path: req.url ?? '',
        authorization: req.headers.authorization,
        encoding: req.headers['content-encoding'],
      });
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
    const client = createClient(
      { url, caFile: join(dir, 'ca.pem'), apiKeyFile: join(dir, 'api-key') },
      { env: {} },
    );
    const sink = new ElasticsearchSink(client, 'default', 'daily');
    seen.length = 0;
    expect(await sink.write(batch)).toEqual({ retry: [], rejected: [] });
    expect(seen.find((r) => r.path.startsWith('/_bulk'))?.authorization).toBe('ApiKey c2VjcmV0LWtleQ==');
    await client.close();
  });

  it('sends basic auth with the password from the environment', async () => {
    const client = createClient(
      { url, caFile: join(dir, 'ca.pem'), username: 'flowtrail' },
      { env: { FLOWTRAIL_ES_PASSWORD: 'pa55' } },
    );
    const sink = new ElasticsearchSink(client, 'default', 'daily');
    seen.length = 0;
    await sink.write(batch);
    const expected = `Basic ${Buffer.from('flowtrail:pa55').toString('base64')}`;
    expect(seen.find((r) => r.path.startsWith('/_bulk'))?.authorization).toBe(expected);
    await client.close();
  });

  it('refuses a certificate it was not told to trust (and says so as a retryable failure)', async () => {
    const client = createClient({ url }, { env: {} });
    const sink = new ElasticsearchSink(client, 'default', 'daily');
    await expect(sink.write(batch)).rejects.toThrow(/certificate|self.signed|unable to verify/i);
    await client.close();
  });

  it('reports a missing secret file clearly', () => {
    expect(() => createClient({ url, apiKeyFile: join(dir, 'nope') }, { env: {} })).toThrow(
      /elasticsearch.api_key_file: cannot read .*nope/,
    );
  });

  it('trusts a CA given by its SHA-256 fingerprint alone, and no other', async () => {
    const fingerprint = execFileSync('openssl', [
      'x509',
      '-in',
      join(dir, 'ca.pem'),
      '-noout',
      '-fingerprint',
      '-sha256',
    ])
      .toString()
      .trim()
      .replace(/^.*=/, '');
    const trusted = createClient({ url, caFingerprint: fingerprint }, { env: {} });
    expect(await new ElasticsearchSink(trusted, 'default', 'daily').write(batch)).toEqual({
      retry: [],
      rejected: [],
    });
    await trusted.close();
    const other = createClient({ url, caFingerprint: 'AB'.repeat(32) }, { env: {} });
    await expect(new ElasticsearchSink(other, 'default', 'daily').write(batch)).rejects.toThrow(
      /fingerprint/,
    );
    await other.close();
  });

  it('gzips the bulk body when compression is on', async () => {
    const client = createClient({ url, caFile: join(dir, 'ca.pem'), compression: true }, { env: {} });
    seen.length = 0;
    await new ElasticsearchSink(client, 'default', 'daily').write(batch);
    expect(seen.find((r) => r.path.startsWith('/_bulk'))?.encoding).toBe('gzip');
    await client.close();
  });

  it('warns about a key file that others can read, without its content', () => {
    writeFileSync(join(dir, 'open-key'), 'c2VjcmV0LWtleQ==\n', { mode: 0o644 });
    const warnings: string[] = [];
    const client = createClient(
      { url, apiKeyFile: join(dir, 'open-key') },
      { env: {}, warn: (message) => warnings.push(message) },
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/api_key_file: .*open-key can be read by other users/);
    expect(warnings[0]).not.toContain('c2VjcmV0');
    void client.close();
  });
});
