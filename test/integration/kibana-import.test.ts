import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { packageRoot } from '../../src/util/package.js';
import { runCli } from '../support/cli.js';

/**
 * `setup --kibana` against the saved objects API's `_import` contract, as Kibana 8.x and 9.x answer it: no Kibana
 * runs here, so a local server records what flowtrail sends and answers the way Kibana does.
 */

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  parts: Array<{ name: string; fileName?: string; contentType?: string; body: string }>;
}

/** The parts of a multipart/form-data body, by the boundary its content type names. */
function multipart(contentType: string, body: Buffer): Recorded['parts'] {
  const boundary = contentType.match(/boundary=(?:"([^"]+)"|([^;]+))/);
  if (!boundary) return [];
  const delimiter = `--${boundary[1] ?? boundary[2]}`;
  return body
    .toString('utf8')
    .split(delimiter)
    .slice(1, -1)
    .map((raw) => {
      const [head, ...rest] = raw.replace(/^\r\n/, '').split('\r\n\r\n');
      const disposition = head.match(
        /content-disposition: form-data; name="([^"]+)"(?:; filename="([^"]+)")?/i,
      );
      return {
        name: disposition?.[1] ?? '',
        fileName: disposition?.[2],
        contentType: head.match(/content-type: (.+)/i)?.[1].trim(),
        body: rest.join('\r\n\r\n').replace(/\r\n$/, ''),
      };
    });
}

type Answer = (request: Recorded) => { status: number; body: unknown };

const committed = readFileSync(join(packageRoot(), 'kibana', 'flowtrail.ndjson'), 'utf8');
const objectCount = committed.trim().split('\n').length;
/** Data views in the committed file: one per stream a user browses. */
const dataViews = committed
  .trim()
  .split('\n')
  .filter((line) => (JSON.parse(line) as { type: string }).type === 'index-pattern').length;

const imported: Answer = (request) => {
  const lines =
    request.parts
      .find((p) => p.name === 'file')
      ?.body.trim()
      .split('\n') ?? [];
  const objects = lines.map((line) => JSON.parse(line) as { type: string; id: string });
  return {
    status: 200,
    body: {
      success: true,
      successCount: objects.length,
      successResults: objects.map((o) => ({ type: o.type, id: o.id, meta: {} })),
      warnings: [],
    },
  };
};

let server: Server;
let kibanaUrl: string;
let requests: Recorded[] = [];
let answer: Answer = imported;
const configDir = mkdtempSync(join(tmpdir(), 'flowtrail-kibana-'));
let configs = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        parts: multipart(req.headers['content-type'] ?? '', Buffer.concat(chunks)),
      };
      requests.push(recorded);
      const { status, body } = answer(recorded);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  kibanaUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(configDir, { recursive: true, force: true });
});

beforeEach(() => {
  requests = [];
  answer = imported;
});

function configFile(kibana: Record<string, string>): string {
  const file = join(configDir, `flowtrail-${++configs}.yml`);
  const lines = Object.entries(kibana).map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`);
  writeFileSync(file, `kibana:\n${lines.join('\n')}\n`);
  return file;
}

describe('flowtrail setup --kibana', () => {
  it("imports every saved object into the configured space as one multipart file, with the user's credentials", async () => {
    const config = configFile({
      url: `${kibanaUrl}/`,
      space: 'netops',
      username: 'analyst',
      password: 's3cret',
    });
    const result = await runCli(['setup', '--es', inject('esUrl'), '--config', config, '--kibana']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/s/netops/api/saved_objects/_import?overwrite=true');
    expect(request.headers['kbn-xsrf']).toBeTruthy();
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('analyst:s3cret').toString('base64')}`);
    expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(request.parts.map((p) => p.name)).toEqual(['file']);
    expect(request.parts[0].fileName).toMatch(/\.ndjson$/);
    expect(request.parts[0].body).toBe(committed);

    expect(result.stdout).toContain(
      `imported  ${objectCount} of ${objectCount} Kibana saved objects into ${kibanaUrl} (space netops): ` +
        `${dataViews} data views, 2 saved searches`,
    );
    expect(result.stdout).toMatch(/\d+ visualizations, 5 dashboards\n$/);
  });

  it('names each object Kibana refused and why, and exits 1', async () => {
    answer = (request) => {
      const sent = request.parts[0].body.trim().split('\n').length;
      return {
        status: 200,
        body: {
          success: false,
          successCount: sent - 1,
          errors: [
            {
              id: 'flowtrail-dashboard-host',
              type: 'dashboard',
              title: 'flowtrail: Host',
              meta: { title: 'flowtrail: Host', icon: 'dashboardApp' },
              error: {
                type: 'missing_references',
                references: [{ type: 'index-pattern', id: 'flowtrail-flows' }],
              },
            },
          ],
          warnings: [],
        },
      };
    };
    const config = configFile({ api_key: 'aWQ6a2V5' });
    const result = await runCli([
      'setup',
      '--es',
      inject('esUrl'),
      '--config',
      config,
      '--kibana',
      kibanaUrl,
      '--json',
    ]);
    expect(result.code).toBe(1);
    expect(requests).toHaveLength(1);
    expect(requests[0].url).toBe('/api/saved_objects/_import?overwrite=true');
    expect(requests[0].headers.authorization).toBe('ApiKey aWQ6a2V5');

    const report = JSON.parse(result.stdout);
    expect(report.kibana).toMatchObject({
      url: kibanaUrl,
      space: 'default',
      sent: objectCount,
      success: false,
      imported: objectCount - 1,
      failures: [
        {
          type: 'dashboard',
          id: 'flowtrail-dashboard-host',
          title: 'flowtrail: Host',
          error: 'refers to objects Kibana does not have: index-pattern flowtrail-flows',
        },
      ],
    });
    expect(report.changes.length).toBeGreaterThan(0);
    expect(result.stderr).toContain('flowtrail: Kibana did not import 1 of the saved objects');
  });

  it('says when Kibana refuses the credentials, and exits 1', async () => {
    answer = () => ({
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' },
    });
    const result = await runCli(['setup', '--es', inject('esUrl'), '--kibana', kibanaUrl]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Kibana at ${kibanaUrl} refused the credentials (401)`);
  });

  it('names a bad Kibana setting and sends nothing (exit 2)', async () => {
    const badUrl = await runCli(['setup', '--es', inject('esUrl'), '--kibana', 'localhost:5601']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/kibana\.url: expected an http or https URL/);
    const badSpace = await runCli([
      'setup',
      '--es',
      inject('esUrl'),
      '--config',
      configFile({ space: 'Net Ops' }),
      '--kibana',
      kibanaUrl,
    ]);
    expect(badSpace.code).toBe(2);
    expect(badSpace.stderr).toMatch(/kibana\.space: a space id/);
    const noUrl = await runCli(['setup', '--es', inject('esUrl'), '--kibana']);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/kibana\.url: no Kibana to import into/);
    expect(requests).toEqual([]);
  });
});
