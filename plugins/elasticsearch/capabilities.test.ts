import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from './capabilities.js';

const of = (number: string, extra: Record<string, string> = {}) =>
  capabilitiesOf({ version: { number, ...extra } }, 'http://es:9200');

describe('what a server offers, from its version', () => {
  it('Elasticsearch OSS 7.x (and the embedded runner, whose flavor is unknown): daily indices', () => {
    expect(of('7.10.2', { build_flavor: 'oss' })).toMatchObject({
      indexMode: 'daily',
      retentionMode: 'flowtrail',
    });
    expect(of('7.10.2', { build_flavor: 'unknown' })).toMatchObject({ indexMode: 'daily' });
  });

  it('Elasticsearch 7.17 and 8.x default: data streams with ILM; 8.11 and later: data stream lifecycle', () => {
    expect(of('7.17.20', { build_flavor: 'default' })).toMatchObject({
      indexMode: 'data_stream',
      retentionMode: 'ilm',
    });
    expect(of('8.10.4', { build_flavor: 'default' })).toMatchObject({ retentionMode: 'ilm' });
    expect(of('8.11.0', { build_flavor: 'default' })).toMatchObject({ retentionMode: 'lifecycle' });
    expect(of('9.1.5', { build_flavor: 'default' })).toMatchObject({ retentionMode: 'lifecycle' });
  });

  it('OpenSearch: data streams, retention by flowtrail', () => {
    expect(of('2.19.1', { distribution: 'opensearch' })).toMatchObject({
      distribution: 'opensearch',
      indexMode: 'data_stream',
      retentionMode: 'flowtrail',
    });
  });

  it('says which servers are not supported, and what answered', () => {
    expect(() => of('6.8.23', { build_flavor: 'default' })).toThrow(
      /runs Elasticsearch 6.8.23; flowtrail supports/,
    );
    expect(() => capabilitiesOf({}, 'http://x:1')).toThrow(/http:\/\/x:1 does not answer like Elasticsearch/);
  });
});
