import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloudIdUrl, createClient, credentialsOf, EsError } from './client.js';

describe('elasticsearch connection settings', () => {
  it('derives the deployment URL from a Cloud ID, with or without a port', () => {
    const encode = (text: string) => Buffer.from(text).toString('base64');
    expect(cloudIdUrl(`prod:${encode('europe-west1.gcp.cloud.es.io$abc123$kib456')}`)).toBe(
      'https://abc123.europe-west1.gcp.cloud.es.io',
    );
    expect(cloudIdUrl(`prod:${encode('us-east-1.aws.found.io:9243$abc123$kib456')}`)).toBe(
      'https://abc123.us-east-1.aws.found.io:9243',
    );
  });

  it('names the key of a Cloud ID it cannot read', () => {
    expect(() => cloudIdUrl('prod:bm90IGEgY2xvdWQgaWQ=')).toThrow(/^elasticsearch.cloud_id: /);
  });

  it('takes an API key before basic auth, from config, file or environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-secret-'));
    writeFileSync(join(dir, 'key'), 'from-file\n', { mode: 0o600 });
    expect(credentialsOf({ apiKeyFile: join(dir, 'key'), username: 'u', password: 'p' }, {})).toEqual({
      auth: { apiKey: 'from-file' },
      warnings: [],
    });
    expect(credentialsOf({}, { FLOWTRAIL_ES_USERNAME: 'u', FLOWTRAIL_ES_PASSWORD: 'p' }).auth).toEqual({
      username: 'u',
      password: 'p',
    });
    expect(credentialsOf({ username: 'u' }, {}).auth).toBeUndefined();
  });

  it('retries outages and overload, never a refusal', () => {
    expect(new EsError('x', 'unreachable').retryable).toBe(true);
    expect(new EsError('x', 'timeout').retryable).toBe(true);
    expect(new EsError('x', 'refused', 429).retryable).toBe(true);
    expect(new EsError('x', 'refused', 503).retryable).toBe(true);
    expect(new EsError('x', 'unauthorized', 401).retryable).toBe(false);
    expect(new EsError('x', 'forbidden', 403).retryable).toBe(false);
    expect(new EsError('x', 'refused', 400).retryable).toBe(false);
  });
});

describe('elasticsearch request timeout', () => {
  /** A server that answers every request after `delayMs`. */
  async function slowServer(delayMs: number): Promise<{ url: string; close: () => void }> {
    const server = createServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"acknowledged":true}');
      }, delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
  }

  it("waits as long as request_timeout says, past the HTTP library's own 30 s default", async () => {
    const server = await slowServer(31_000);
    const client = createClient({ url: server.url, requestTimeoutMs: 60_000 });
    try {
      const response = await client.request({ method: 'POST', path: '/flows/_forcemerge' });
      expect(response.body).toEqual({ acknowledged: true });
    } finally {
      await client.close();
      server.close();
    }
  }, 45_000);

  it('still gives up after request_timeout', async () => {
    const server = await slowServer(2_000);
    const client = createClient({ url: server.url, requestTimeoutMs: 200 });
    try {
      await expect(client.request({ method: 'GET', path: '/' })).rejects.toMatchObject({
        failure: 'timeout',
      });
    } finally {
      await client.close();
      server.close();
    }
  });

  it('spreads requests over every node given and goes around one that is down', async () => {
    const answered: string[] = [];
    const node = (name: string) =>
      new Promise<{ url: string; close: () => void }>((resolve) => {
        const server = createServer((_req, res) => {
          answered.push(name);
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ name }));
        });
        server.listen(0, '127.0.0.1', () =>
          resolve({
            url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            close: () => server.close(),
          }),
        );
      });
    const [one, two] = await Promise.all([node('one'), node('two')]);
    // A port nothing listens on: the node that is down.
    const down = await node('down');
    down.close();
    const client = createClient({ urls: [down.url, one.url, two.url] });
    try {
      expect(client.target).toContain('and 2 more node(s)');
      let failures = 0;
      for (let i = 0; i < 20; i++) {
        try {
          await client.request({ method: 'GET', path: '/' });
        } catch (err) {
          expect(err).toMatchObject({ failure: 'unreachable', retryable: true });
          failures++;
        }
      }
      // The dead node fails the requests sent to it until the pool weighs it down; the others answer the rest.
      expect(failures).toBeLessThan(5);
      expect(new Set(answered)).toEqual(new Set(['one', 'two']));
    } finally {
      await client.close();
      one.close();
      two.close();
    }
  });
});
