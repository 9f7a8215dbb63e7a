import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import type { OutgoingRecord } from '../../src/pipeline/types.js';
import {
  DATASET_HEADER,
  ID_HEADER,
  kindOf,
  messageKey,
  messageOf,
  REPLAYED_HEADER,
  recordOf,
} from './messages.js';

function outgoing(
  dataset: string,
  id: string,
  doc: Record<string, unknown>,
  replayed?: boolean,
): OutgoingRecord {
  return { record: { dataset, id, doc, replayed }, json: JSON.stringify(doc) };
}

const flowJson =
  '{"@timestamp":"2024-03-01T10:00:00.000Z","network":{"community_id":"1:abc="},' +
  '"flowtrail":{"observer":"192.0.2.1:4444","initiator":"source"}}';

describe('Kafka output messages', () => {
  it('sorts datasets into the three kinds of topics', () => {
    expect(kindOf('flowtrail.flows')).toBe('flows');
    expect(kindOf('flowtrail.alerts')).toBe('alerts');
    expect(kindOf('flowtrail.zeek_dns')).toBe('events');
    expect(kindOf('flowtrail.suricata_tls')).toBe('events');
  });

  it('keys flows by their exporter and alerts and events by their session, else their observer, else their id', () => {
    const record = { dataset: 'flowtrail.flows', id: 'f1', doc: {} };
    expect(messageKey('flows', record, flowJson)).toBe('192.0.2.1:4444');
    expect(messageKey('alerts', record, flowJson)).toBe('1:abc=');
    expect(messageKey('events', record, '{"flowtrail":{"observer":"sensor-\\"a\\""}}')).toBe(
      'sensor-\\"a\\"',
    );
    expect(messageKey('events', record, '{"event":{"kind":"event"}}')).toBe('f1');
  });

  it('carries id, dataset and a possible earlier send in headers, and reads them back', () => {
    const item = outgoing('flowtrail.zeek_dns', 'id-1', { '@timestamp': '2024-03-01T10:00:00Z' }, true);
    const message = messageOf('events', item);
    expect(message.headers).toEqual({
      [ID_HEADER]: 'id-1',
      [DATASET_HEADER]: 'flowtrail.zeek_dns',
      [REPLAYED_HEADER]: '1',
    });
    const headers = Object.fromEntries(
      Object.entries(message.headers ?? {}).map(([k, v]) => [k, Buffer.from(String(v))]),
    );
    const record = recordOf(headers, Buffer.from(String(message.value)));
    expect(record).toMatchObject({ dataset: 'flowtrail.zeek_dns', id: 'id-1', replayed: true });
    expect(record.doc).toEqual({ '@timestamp': '2024-03-01T10:00:00Z' });
    expect(messageOf('events', outgoing('flowtrail.zeek_dns', 'id-2', {})).headers).not.toHaveProperty(
      REPLAYED_HEADER,
    );
  });

  it('refuses messages that are not records of the output', () => {
    expect(() => recordOf({}, Buffer.from('{}'))).toThrow(ParseError);
    expect(() =>
      recordOf(
        { [ID_HEADER]: Buffer.from('x'), [DATASET_HEADER]: Buffer.from('flowtrail.flows') },
        Buffer.from('x'),
      ),
    ).toThrow(/no JSON object/);
    expect(() => recordOf({ [ID_HEADER]: Buffer.from('x') }, null)).toThrow(/headers/);
  });
});
