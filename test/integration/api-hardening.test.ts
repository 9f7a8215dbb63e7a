import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../plugins/elasticsearch/client.js';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import { resolveToken } from '../../src/api/auth.js';
import { apiRoutes } from '../../src/api/routes.js';
import { type ApiServer, startApiServer } from '../../src/api/server.js';
import { validateConfig } from '../../src/config/load.js';
import { correlationSettings } from '../../src/correlate/correlator.js';
import { ConfigError } from '../../src/errors.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** A GET with exactly these headers (Node would otherwise set `Host` from the address). */
function get(api: ApiServer, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(api.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, headers: { host: url.host, ...headers } },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The API as `flowtrail serve` builds it, in front of a cluster that is not there (nothing listens on port 1). */
function start(host: string, token: string | undefined, logs: string[]): Promise<ApiServer> {
  const config = validateConfig({});
  const client = createClient({ url: 'http://127.0.0.1:1', requestTimeoutMs: 2000 });
  const store = elasticsearchStore(client);
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  );
  return startApiServer(apiRoutes(store, config, correlationSettings(config)), {
    host,
    port: 0,
    token,
    logger,
  });
}

describe('the API on loopback', () => {
  const logs: string[] = [];
  let api: ApiServer;
  beforeAll(async () => {
    api = await start('127.0.0.1', undefined, logs);
  });
  afterAll(() => api.close());

  it('answers a path that is not valid percent-encoded UTF-8 with 400, and goes on serving', async () => {
    expect(await get(api, '/api/hosts/%E0%A4%A')).toEqual({
      status: 400,
      body: { error: 'the path is not valid percent-encoded UTF-8' },
    });
    expect((await get(api, '/api/hosts/10.0.0')).status).toBe(400);
  });

  it('answers only requests that name this machine, from no page or its own', async () => {
    const port = new URL(api.url).port;
    for (const host of [`evil.example:${port}`, 'evil.example', `10.0.0.1:${port}`]) {
      expect(await get(api, '/api/hosts/10.0.0.1', { host })).toEqual({
        status: 403,
        body: { error: 'this API answers requests for localhost only' },
      });
    }
    expect(await get(api, '/api/hosts/10.0.0.1', { origin: 'http://evil.example' })).toEqual({
      status: 403,
      body: { error: 'requests from other sites are not allowed' },
    });
    // Past the checks, a request reaches its route: here a cluster that is not there (502).
    const allowed: Array<Record<string, string>> = [
      { host: `localhost:${port}` },
      { host: `[::1]:${port}` },
      { origin: `http://127.0.0.1:${port}` },
    ];
    for (const headers of allowed) {
      expect((await get(api, '/api/hosts/10.0.0.1?from=-1h', headers)).status).toBe(502);
    }
  });

  it('refuses parameters that do not read exactly as their grammar, naming them as the API does', async () => {
    const refused: Array<[string, RegExp]> = [
      ['/api/hosts/10.1', /^ip: expected an IPv4 or IPv6 address/],
      ['/api/hosts/0x0a.0.0.1', /^ip: expected an IPv4 or IPv6 address/],
      ['/api/hosts/167772161', /^ip: expected an IPv4 or IPv6 address/],
      ['/api/hosts/10.0.0.1?to=99999999999999999999', /^to: cannot read/],
      ['/api/hosts/10.0.0.1?from=253402300800000', /^from: .* outside the years 1970 to 9999/],
      ['/api/reports/billing?interval=__proto__', /^interval: expected one of hour, day, week, month$/],
      ['/api/reports/top-senders?limit=1e9', /^limit: expected an integer 1\.\.10000$/],
      ['/api/reports/top-senders?limit=20000', /^limit: expected an integer 1\.\.10000$/],
      ['/api/reports/__proto__', /^report: unknown report "__proto__"/],
      ['/api/flows?min_bytes=0x10', /^min_bytes: expected an integer/],
      ['/api/flows?protocol=tcpx', /^protocol: expected a protocol name/],
      ['/api/flows?ip=10.0.0.0/33', /^ip: expected an IP address or CIDR/],
      ['/api/flows?first_talker=::ffff:1.2.3', /^first_talker: expected an IP address or CIDR/],
      ['/api/flows?from=-1h&to=-2h', /^to must be after from$/],
    ];
    for (const [path, message] of refused) {
      const answer = await get(api, path);
      expect(answer.status, path).toBe(400);
      expect(answer.body.error, path).toMatch(message);
    }
  });

  it("answers a cluster's failure with 502 and an id that is logged, never with the cluster's own text", async () => {
    const answer = await get(api, '/api/flows?ip=10.0.0.0/8&protocol=6');
    expect(answer.status).toBe(502);
    expect(answer.body).toEqual({
      error: 'Elasticsearch could not answer the request',
      id: expect.any(String),
    });
    expect(JSON.stringify(answer.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:1/);
    const logged = logs.map((line) => JSON.parse(line)).find((entry) => entry.id === answer.body.id);
    expect(logged).toMatchObject({ msg: 'api request failed', path: '/api/flows' });
    expect(logged.err.message).toMatch(/ECONNREFUSED/);
  });
});

describe('the API off loopback', () => {
  const token = 'a-token-of-some-length';
  let api: ApiServer;
  beforeAll(async () => {
    api = await start('0.0.0.0', token, []);
  });
  afterAll(() => api.close());

  it('answers only the bearer token, whatever the Host', async () => {
    const host = 'flowtrail.example:9478';
    for (const authorization of [
      '',
      'Bearer \u00a0',
      'Bearer ',
      `Bearer ${token}x`,
      `Bearer ${token.slice(1)}`,
      `Basic ${token}`,
    ]) {
      expect((await get(api, '/api/hosts/10.0.0.1', { host, authorization })).status, authorization).toBe(
        401,
      );
    }
    expect((await get(api, '/api/hosts/10.0.0.1', { host, authorization: `Bearer ${token}` })).status).toBe(
      502,
    );
    expect(
      (
        await get(api, '/api/hosts/10.0.0.1', {
          authorization: `bearer ${token}`,
          origin: 'http://other.example',
        })
      ).status,
    ).toBe(403);
  });
});

describe('the API token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-token-'));
  const file = (name: string, text: string, mode = 0o600) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    chmodSync(path, mode);
    return path;
  };

  it('cannot be empty, blank or short, wherever the API listens', () => {
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      expect(() => resolveToken(host, { token_file: file('empty', '') }, {})).toThrow(
        new ConfigError(`api.token_file: ${join(dir, 'empty')} is empty`),
      );
      expect(() => resolveToken(host, { token_file: file('blank', ' \n\t\u00a0\n') }, {})).toThrow(
        ConfigError,
      );
      expect(() => resolveToken(host, { token_file: file('short', 'short\n') }, {})).toThrow(
        /api.token_file: a token of at least 16 printable ASCII characters/,
      );
      expect(() => resolveToken(host, {}, { FLOWTRAIL_API_TOKEN: '   ' })).toThrow(
        /FLOWTRAIL_API_TOKEN: a token/,
      );
      expect(() => resolveToken(host, { token: 'sixteen chars with spaces' }, {})).toThrow(
        /api.token: a token/,
      );
    }
    expect(() => resolveToken('0.0.0.0', {}, {})).toThrow(/needs a bearer token/);
  });

  it('is read from its file without surrounding space, with a warning when others may read the file', () => {
    const path = file('open', 'a-token-of-some-length\n', 0o644);
    expect(resolveToken('0.0.0.0', { token_file: path }, {})).toEqual({
      token: 'a-token-of-some-length',
      warnings: [`api.token_file: ${path} can be read by other users (mode 644); chmod 600 it`],
    });
    expect(resolveToken('0.0.0.0', { token_file: file('closed', 'a-token-of-some-length') }, {})).toEqual({
      token: 'a-token-of-some-length',
      warnings: [],
    });
  });
});
