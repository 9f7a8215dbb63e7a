import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';

describe('connection settings in the configuration', () => {
  it.each([
    [{ elasticsearch: { cloud_id: 'no colon here' } }, /elasticsearch\.cloud_id: expected the Cloud ID/],
    [
      { elasticsearch: { url: 'https://es:9200', cloud_id: 'prod:ZXUtd2VzdC0x' } },
      /elasticsearch\.cloud_id: set url or cloud_id, not both/,
    ],
    [{ elasticsearch: { ca_fingerprint: 'AB:CD' } }, /elasticsearch\.ca_fingerprint: expected 64 hex digits/],
    [{ elasticsearch: { compression: 'yes' } }, /elasticsearch\.compression: /],
    [{ stack: { engine: 'solr' } }, /stack\.engine: /],
  ])('names the key of a bad value: %j', (raw, message) => {
    expect(() => validateConfig(raw)).toThrow(message);
  });

  it('takes a fingerprint as Elasticsearch prints it, and both engines', () => {
    const fingerprint = Array.from({ length: 32 }, () => 'A1').join(':');
    expect(
      validateConfig({ elasticsearch: { ca_fingerprint: fingerprint } }).elasticsearch.ca_fingerprint,
    ).toBe(fingerprint);
    expect(validateConfig({}).stack.engine).toBe('elasticsearch');
    expect(validateConfig({ stack: { engine: 'opensearch' } }).stack.engine).toBe('opensearch');
  });
});
