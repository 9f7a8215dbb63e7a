import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRuntime } from '../../app/wiring/runtime.js';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import { createPcapIngestSource } from '../../plugins/netflow/ingest-source.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { correlationSettings, findAlert } from '../../src/correlate/correlator.js';
import { indicesOf } from '../../src/correlate/es.js';
import { investigate } from '../../src/correlate/investigate.js';
import { findingToAlert } from '../../src/detect/alerts.js';
import { detectRange } from '../../src/detect/run.js';
import { listAlerts } from '../../src/reports/alerts.js';
import { hostLog } from '../../src/reports/host.js';
import { runReport } from '../../src/reports/run.js';
import { FLOW_COLUMNS, searchFlows } from '../../src/reports/search.js';
import { parseSearch } from '../../src/reports/search-params.js';
import { trafficOverTime } from '../../src/reports/traffic.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { searchPattern } from '../../src/store/naming.js';
import { exited, startCli } from '../support/cli.js';
import { quietLogger, testClient } from '../support/es.js';
import { configFile, LAB, LAB_EXPORTS, LAB_LOCAL, loadLab } from '../support/lab.js';
import {
  describeNeeding,
  firstMissing,
  fixturesMissing,
  itNeeding,
  toolsMissing,
} from '../support/requirements.js';

const client = testClient();
const store = elasticsearchStore(client);
/** Kept out of the first load: the live page watches it arrive. */
const LIVE_EXPORT = 'softflowd-v5';
const FROM = '2026-11-21 22:00';
const TO = '2026-11-21 23:00';
const RANGE = `from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`;
const range = parseSearch({ from: FROM, to: TO }).range;
const TOKEN = 'console-test-token-0123456789';

/** The figures as the console writes them, whatever the browser's language. */
const num = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** An address of this machine that is not loopback: a listener there is the console as the network sees it. */
function outsideAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
}
const OUTSIDE = outsideAddress();

let config: FlowtrailConfig;
let shots: string;
let browser: Browser;
const servers: ChildProcess[] = [];

/** `flowtrail serve` on a free port of `host`, with more of the API's config given; resolves to the console's URL. */
async function serve(host: string, api = '', env: Record<string, string> = {}): Promise<string> {
  const file = configFile(config, `api:\n  host: ${host}\n  port: 0\n${api}`);
  const { child, output } = await startCli(['serve', '-c', file], /console: http:\/\/\S+\//, {
    FLOWTRAIL_ES_URL: config.elasticsearch.url ?? '',
    ...env,
  });
  servers.push(child);
  return (output().match(/console: (http:\/\/\S+)\//) as RegExpMatchArray)[1];
}

/** A page whose console errors and uncaught exceptions are collected, for the test to find none. */
async function open(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return { page, errors };
}

async function loaded(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('main[aria-busy="false"]').waitFor();
}

function fact(page: Page, term: string) {
  return page.locator('dt', { hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]');
}

function table(page: Page, caption: string | RegExp) {
  return page.getByRole('table', { name: caption });
}

/** The data row of a table whose link names `ip`. */
function rowOf(page: Page, caption: string | RegExp, ip: string) {
  return table(page, caption)
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: ip, exact: true }) });
}

async function screenshot(page: Page, name: string): Promise<void> {
  // Graphs are drawn in the frame after their page: wait one.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(done)));
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

const missing = firstMissing(fixturesMissing(), toolsMissing('chromium'));

describeNeeding(missing)('the web console in headless Chromium over the lab', () => {
  let url: string;
  let context: BrowserContext;

  beforeAll(async () => {
    config = await loadLab(client, { exports: LAB_EXPORTS.filter((e) => e !== LIVE_EXPORT) });
    // flowtrail's own detections beside the IDS alerts: the host page lists 10.77.0.5's volume detection.
    const flows = indicesOf(config.elasticsearch.namespace).flows;
    const findings = await detectRange(store, config, flows, range);
    const { pipeline } = createRuntime(config, client, quietLogger);
    await pipeline.start();
    const local = new LocalNetworks(LAB_LOCAL);
    await pipeline.emit(
      'test',
      findings.map((f) => findingToAlert(f, local, Date.now())),
    );
    await pipeline.finish();
    await client.indices.refresh({ index: searchPattern('flowtrail.*', config.elasticsearch.namespace) });
    shots = join(config.stack.data_dir ?? '.', 'screenshots');
    mkdirSync(shots, { recursive: true });
    url = await serve('127.0.0.1');
    browser = await chromium.launch({
      executablePath: execFileSync('sh', ['-c', 'command -v chromium']).toString().trim(),
      // Chromium's sandbox refuses to start as root, as containers run tests.
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  });

  afterAll(async () => {
    await browser?.close();
    for (const child of servers) {
      child.kill('SIGTERM');
      await exited(child);
    }
    await client.close();
  });

  it('overview: traffic over time and the top tables, as the reports count them', async () => {
    const { page, errors } = await open(context);
    await loaded(page, `${url}/?${RANGE}`);
    const traffic = await trafficOverTime(store, indicesOf(config.elasticsearch.namespace).flows, range);
    const total = (pick: (b: (typeof traffic.buckets)[number]) => number) =>
      traffic.buckets.reduce((sum, b) => sum + pick(b), 0);
    await expect(fact(page, 'Bytes').textContent()).resolves.toBe(num(total((b) => b.bytes)));
    await expect(fact(page, 'Flows').textContent()).resolves.toBe(num(total((b) => b.flows)));
    // uPlot drew both graphs.
    await page.locator('figure.chart canvas').nth(1).waitFor();

    const options = { limit: 10, interval: 'day' };
    const senders = await runReport(store, config, 'top-senders', range, options);
    const talker = senders.rows.find((r) => r.ip === '10.77.0.5');
    expect(talker?.bytes).toBeGreaterThan(0);
    const cells = rowOf(page, 'Top senders', '10.77.0.5').getByRole('cell');
    await expect(cells.nth(1).textContent()).resolves.toBe(num(talker?.bytes as number));

    const scans = await runReport(store, config, 'scans-in', range, options);
    const scanner = scans.rows.find((r) => r.ip === '203.0.113.66');
    expect(scanner?.destinations).toBeGreaterThan(1);
    const scanRow = rowOf(page, /^Scanners in/, '203.0.113.66').getByRole('cell');
    await expect(scanRow.nth(1).textContent()).resolves.toBe(num(scanner?.destinations as number));
    await screenshot(page, 'overview');
    expect(errors).toEqual([]);
  });

  it('host page: reached by its link, with its bytes, peers, detections and bill', async () => {
    const { page, errors } = await open(context);
    await loaded(page, `${url}/?${RANGE}`);
    await rowOf(page, 'Top senders', '10.77.0.5').getByRole('link', { name: '10.77.0.5' }).click();
    await page.locator('main[aria-busy="false"]').waitFor();
    expect(new URL(page.url()).pathname).toBe('/hosts/10.77.0.5');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Host 10.77.0.5');

    const flows = indicesOf(config.elasticsearch.namespace).flows;
    const log = await hostLog(store, flows, '10.77.0.5', range);
    await expect(fact(page, 'Bytes sent').textContent()).resolves.toBe(num(log.bytes_out));
    await expect(fact(page, 'Flows').textContent()).resolves.toBe(num(log.flows));
    const top = log.talked_to[0];
    const peer = rowOf(page, 'Hosts it sent most to', top.ip).getByRole('cell');
    await expect(peer.nth(2).textContent()).resolves.toBe(num(top.bytes));

    const alerts = await listAlerts(store, indicesOf(config.elasticsearch.namespace).alerts, {
      range,
      ip: '10.77.0.5',
      limit: 100,
    });
    expect(alerts.alerts.some((a) => a.detection === 'volume')).toBe(true);
    expect(await table(page, `Alerts naming 10.77.0.5 (${alerts.total})`).getByRole('row').count()).toBe(
      alerts.total + 1,
    );
    expect(
      await table(page, /^Bytes per day/)
        .getByRole('row')
        .count(),
    ).toBeGreaterThan(0);
    await screenshot(page, 'host');
    expect(errors).toEqual([]);
  });

  it('alert page: the alert, its session, its matched flows and the endpoints before and after', async () => {
    const indices = indicesOf(config.elasticsearch.namespace);
    const listed = await listAlerts(store, indices.alerts, { range, limit: 20 });
    // An IDS alert (not one of flowtrail's detections), as the overview lists it.
    const listedAlert = listed.alerts.find((a) => a.detection === null && a.source !== null);
    expect(listedAlert).toBeDefined();
    const { id, source } = listedAlert as { id: string; source: string };
    const { page, errors } = await open(context);
    await loaded(page, `${url}/?${RANGE}`);
    await page.locator(`a[href^="/alerts/${encodeURIComponent(id)}"]`).click();
    await page.locator('main[aria-busy="false"]').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/alerts/${encodeURIComponent(id)}`);

    const settings = correlationSettings(config);
    const found = await findAlert(store, settings.indices, id);
    const inv = await investigate(store, found as NonNullable<typeof found>, settings);
    await expect(fact(page, 'Flows matched').textContent()).resolves.toBe(
      `${num(inv.context.flow_count)} (by ${inv.context.match.replace(/_/g, ' ')})`,
    );
    expect(
      await table(page, /^Flows of the alert/)
        .getByRole('row')
        .count(),
    ).toBe(inv.flows.length + 1);
    // The session's members, one row each, and the tools whose alerts are on it.
    expect(
      await table(page, /^Members in time order/)
        .getByRole('row')
        .count(),
    ).toBe(inv.session.timeline.length + 1);
    await expect(
      page.getByText(`${num(inv.session.member_count)} member(s):`, { exact: false }).count(),
    ).resolves.toBe(1);
    const before = page
      .getByRole('table', { name: /before the alert and after/ })
      .getByRole('row')
      .filter({ hasText: `source ${source}` })
      .first()
      .getByRole('cell');
    await expect(before.nth(2).textContent()).resolves.toBe(num(inv.context.source?.before.bytes as number));
    await page.locator('figure.chart canvas').nth(1).waitFor();
    await screenshot(page, 'alert');
    expect(errors).toEqual([]);
  });

  it('search page: the filters by keyboard, the flows search finds, and their CSV', async () => {
    const { page, errors } = await open(context);
    await loaded(page, `${url}/search`);
    await page.getByLabel('From', { exact: true }).fill(FROM);
    await page.getByLabel('To', { exact: true }).fill(TO);
    await page.getByLabel('Address or network').fill('203.0.113.66');
    await page.getByLabel('Protocol').fill('icmp');
    await page.getByLabel('Protocol').press('Enter');
    await page.waitForURL(/protocol=icmp/);
    await page.locator('main[aria-busy="false"]').waitFor();

    const flows = indicesOf(config.elasticsearch.namespace).flows;
    const filter = parseSearch({ from: FROM, to: TO, ip: '203.0.113.66', protocol: 'icmp', limit: '100' });
    const expected = await searchFlows(store, flows, filter);
    expect(expected.total).toBeGreaterThan(0);
    await expect(page.getByRole('status').textContent()).resolves.toMatch(
      new RegExp(`^${num(expected.total)} matching flows`),
    );
    const rows = table(page, 'Matching flows, oldest first').getByRole('row');
    expect(await rows.count()).toBe(expected.flows.length + 1);
    const first = expected.flows[0];
    await expect(rows.nth(1).getByRole('cell').nth(6).textContent()).resolves.toBe(
      `${first.icmp_type}/${first.icmp_code}`,
    );
    await screenshot(page, 'search');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download these flows as CSV' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8')
      .trimEnd()
      .split('\n');
    expect(csv[0]).toBe(FLOW_COLUMNS.join(','));
    expect(csv).toHaveLength(expected.flows.length + 1);
    expect(errors).toEqual([]);
  });

  itNeeding(OUTSIDE === undefined ? 'needs an IPv4 address on an interface other than loopback' : undefined)(
    'off loopback: no page or data without the token; the login form gives an HttpOnly, SameSite cookie',
    async () => {
      const outside = await serve(OUTSIDE as string, `  token: ${TOKEN}\n`);
      const guest = await browser.newContext();
      const { page, errors } = await open(guest);
      await page.goto(`${outside}/hosts/10.77.0.5?${RANGE}`);
      expect(new URL(page.url()).pathname).toBe('/login');
      await expect(page.content()).resolves.not.toMatch(/10\.77\.0\.5(?!\?)/);
      for (const path of ['/api/reports/top-senders', `/api/hosts/10.77.0.5?${RANGE}`, '/api/live', '/api'])
        expect((await page.request.get(`${outside}${path}`)).status(), path).toBe(401);
      const bearer = await page.request.get(`${outside}/api/reports/top-senders?${RANGE}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(bearer.status()).toBe(200);

      await page.getByLabel('Token').fill('not-the-token-but-long-enough');
      await page.getByLabel('Token').press('Enter');
      await expect(page.getByRole('alert').textContent()).resolves.toBe('That is not the API token.');
      expect(await guest.cookies()).toEqual([]);
      await page.getByLabel('Token').fill(TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('main[aria-busy="false"]').waitFor();
      expect(new URL(page.url()).pathname).toBe('/hosts/10.77.0.5');
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Host 10.77.0.5');
      const [cookie] = await guest.cookies();
      expect(cookie).toMatchObject({ name: 'flowtrail_session', httpOnly: true, sameSite: 'Strict' });
      expect(cookie.value).not.toContain(TOKEN);
      await screenshot(page, 'login-then-host');
      await guest.close();
      // The wrong token's 401 is the one error expected.
      expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    },
  );

  it('says so when Elasticsearch does not answer', async () => {
    // Nothing listens on the discard port: every search is refused.
    const down = await serve('127.0.0.1', '', { FLOWTRAIL_ES_URL: 'http://127.0.0.1:9' });
    const { page, errors } = await open(context);
    await loaded(page, `${down}/?${RANGE}`);
    await expect(page.getByRole('alert').getByRole('heading').textContent()).resolves.toBe(
      'Elasticsearch is not answering',
    );
    await screenshot(page, 'elasticsearch-down');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.filter((e) => !/status of 502/.test(e))).toEqual([]);
  });

  // Last: the flows it ingests would change the figures the other pages are checked against.
  it('live page: flows arrive as they are stored, with rates per protocol', async () => {
    const { page, errors } = await open(context);
    await loaded(page, `${url}/live`);
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/Connecting|Following: 0 flows/);
    const { pipeline } = createRuntime(config, client, quietLogger);
    await pipeline.start();
    await pipeline.runSource(
      createPcapIngestSource([join(LAB, 'flows', `${LIVE_EXPORT}.pcap`)], {
        localNetworks: new LocalNetworks(LAB_LOCAL),
      }),
    );
    await pipeline.finish();
    await page
      .getByRole('status')
      .filter({ hasText: /Following: [1-9]/ })
      .waitFor({ timeout: 60_000 });
    expect(await table(page, 'Newest flows').getByRole('row').count()).toBeGreaterThan(0);
    // Rates cover a window that ended a few seconds ago, once what was stored then is searchable.
    await table(page, /^Over the last 10 seconds/)
      .getByRole('row')
      .filter({ hasText: /^tcp/ })
      .waitFor({ timeout: 60_000 });
    await screenshot(page, 'live');
    expect(errors).toEqual([]);
  });
});
