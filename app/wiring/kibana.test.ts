import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { resolveKibana } from './kibana.js';

const dir = mkdtempSync(join(tmpdir(), 'flowtrail-kibana-wiring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function secret(name: string, text: string, mode: number): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode });
  return path;
}

describe('resolveKibana', () => {
  const es = { url: 'http://es:9200', username: 'elastic', password: 'changeme' };

  it("uses kibana's own credentials, a secret file's trimmed text, and warns about a file others can read", async () => {
    const warnings: string[] = [];
    const config = validateConfig({
      elasticsearch: es,
      kibana: {
        url: 'http://kibana:5601',
        space: 'netops',
        api_key_file: secret('key', 'aWQ6a2V5\n', 0o644),
      },
    });
    const connection = await resolveKibana(config, (m) => warnings.push(m), {});
    expect(connection).toEqual({
      url: 'http://kibana:5601',
      space: 'netops',
      auth: { apiKey: 'aWQ6a2V5' },
      requestTimeoutMs: 120_000,
    });
    expect(warnings).toEqual([expect.stringMatching(/^kibana\.api_key_file: .* can be read by other users/)]);

    const user = validateConfig({
      elasticsearch: es,
      kibana: {
        url: 'http://kibana:5601',
        username: 'analyst',
        password_file: secret('pw', 's3cret', 0o600),
      },
    });
    expect((await resolveKibana(user, () => {}, {})).auth).toEqual({
      username: 'analyst',
      password: 's3cret',
    });
  });

  it("falls back to elasticsearch's credentials, which Kibana checks against the same users", async () => {
    const config = validateConfig({ elasticsearch: es, kibana: { url: 'http://kibana:5601' } });
    expect((await resolveKibana(config, () => {}, {})).auth).toEqual({
      username: 'elastic',
      password: 'changeme',
    });
    const fromEnv = validateConfig({ elasticsearch: { url: es.url }, kibana: { url: 'http://kibana:5601' } });
    const env = { FLOWTRAIL_ES_API_KEY: 'ZW52OmtleQ==' };
    expect((await resolveKibana(fromEnv, () => {}, env)).auth).toEqual({ apiKey: 'ZW52OmtleQ==' });
    const none = validateConfig({ elasticsearch: { url: es.url }, kibana: { url: 'http://kibana:5601' } });
    expect((await resolveKibana(none, () => {}, {})).auth).toBeUndefined();
  });

  it('names the missing URL and a username without a password', async () => {
    await expect(resolveKibana(validateConfig({}), () => {}, {})).rejects.toThrow(/kibana\.url: no Kibana/);
    const config = validateConfig({ kibana: { url: 'http://kibana:5601', username: 'analyst' } });
    await expect(resolveKibana(config, () => {}, {})).rejects.toThrow(
      /kibana\.password: .* needs a password/,
    );
  });
});
