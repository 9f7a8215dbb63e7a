import { describe, expect, it } from 'vitest';
import { seededRandom as random } from '../../test/support/random.js';
import { tryCommunityId } from './community-id.js';
import { ECS_VERSION } from './ecs.js';
import { type FlowFacts, toFlowRecord } from './flow.js';
import { binaryDocumentId } from './ids.js';
import { jsonNumber, jsonString, RawJson } from './json.js';
import { JsonRecord } from './json-record.js';
import { LocalNetworks } from './locality.js';
import { mergeInto } from './merge.js';
import { tcpFlagNames, transportName } from './protocols.js';
import { initiatorOf } from './roles.js';

const AWKWARD = [
  '"',
  '\\',
  '\n',
  '\t',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  '€',
  '😀',
  '\ud800',
  '\udfff',
  '</',
  'a',
];

function text(next: () => number, length = 12): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out +=
      next() < 0.3 ? AWKWARD[Math.floor(next() * AWKWARD.length)] : String.fromCharCode(32 + next() * 95);
  }
  return out;
}

describe('JSON pieces', () => {
  it.each([
    '',
    'plain',
    'quote " inside',
    'back\\slash',
    'line\nbreak\r\ttab\b\f',
    '\u0000\u0001\u001f',
    'unicode é € 😀',
    'lone \ud800 high',
    'lone \udc00 low',
    'reversed \udc00\ud800',
  ])('writes %j as JSON.stringify does', (value) => expect(jsonString(value)).toBe(JSON.stringify(value)));

  it('writes generated strings as JSON.stringify does', () => {
    const next = random(1);
    for (let i = 0; i < 20_000; i++) {
      const value = text(next, Math.floor(next() * 20));
      expect(jsonString(value)).toBe(JSON.stringify(value));
    }
  });

  it.each([
    0,
    -0,
    1,
    -1.5,
    1e21,
    1e-7,
    2 ** 53,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ])('writes the number %d as JSON.stringify does', (value) =>
    expect(jsonNumber(value)).toBe(JSON.stringify(value)),
  );
});

const local = new LocalNetworks(['10.0.0.0/8', '192.168.0.0/16', 'fd00::/8']);
const NOW = Date.parse('2026-11-21T22:10:00.123Z');

/**
 * The flow document as nested objects, the way it was built before it was written straight to JSON: the slow
 * reference the writer must agree with.
 */
function referenceDoc(f: FlowFacts): Record<string, unknown> {
  const sourceLocality = local.locality(f.sourceIp);
  const destinationLocality = local.locality(f.destinationIp);
  const iso = (ms: number) => new Date(ms).toISOString();
  const event: Record<string, unknown> = {
    kind: 'event',
    category: ['network'],
    type: ['connection'],
    action: f.action,
    dataset: 'flowtrail.flows',
    module: f.module,
    created: iso(NOW),
  };
  if (f.start !== undefined) event.start = iso(f.start);
  if (f.end !== undefined) event.end = iso(f.end);
  const duration =
    f.durationNs ??
    (f.start !== undefined && f.end !== undefined ? Math.round((f.end - f.start) * 1e6) : undefined);
  if (duration !== undefined) event.duration = duration;
  if (f.original !== undefined) event.original = f.original;
  const endpoint = (
    ip: string,
    locality: string,
    port?: number,
    bytes?: number,
    packets?: number,
    mac?: string,
  ) => ({
    ip,
    locality,
    port,
    bytes,
    packets,
    mac,
  });
  const source = endpoint(f.sourceIp, sourceLocality, f.sourcePort, f.bytes, f.packets, f.sourceMac);
  const destination = endpoint(
    f.destinationIp,
    destinationLocality,
    f.destinationPort,
    f.reverseBytes,
    f.reversePackets,
    f.destinationMac,
  );
  const total = (a?: number, b?: number) =>
    a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
  const doc: Record<string, unknown> = {
    '@timestamp': event.end ?? event.start ?? event.created,
    event,
    source,
    destination,
    network: {
      transport: transportName(f.protocol),
      iana_number: String(f.protocol),
      type: f.sourceIp.includes(':') ? 'ipv6' : 'ipv4',
      direction: f.direction ?? local.direction(sourceLocality, destinationLocality),
      bytes: total(f.bytes, f.reverseBytes),
      packets: total(f.packets, f.reversePackets),
      community_id:
        f.communityId ??
        tryCommunityId(f.protocol, f.sourceIp, f.sourcePort, f.destinationIp, f.destinationPort),
      protocol: f.applicationProtocol,
      vlan: f.vlanId === undefined ? undefined : { id: String(f.vlanId) },
    },
    flow: {
      locality: sourceLocality === 'internal' && destinationLocality === 'internal' ? 'internal' : 'external',
      id: f.flowId,
    },
    related: { ip: f.sourceIp === f.destinationIp ? [f.sourceIp] : [f.sourceIp, f.destinationIp] },
  };
  const { locality: _source, ...sourceEnd } = source;
  const { locality: _destination, ...destinationEnd } = destination;
  const sourceInitiated = initiatorOf(f) === 'source';
  doc.client = sourceInitiated ? sourceEnd : destinationEnd;
  doc.server = sourceInitiated ? destinationEnd : sourceEnd;
  const ported = f.protocol !== 1 && f.protocol !== 58;
  const side = (ip: string, port: number | undefined) =>
    port === undefined || !ported ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  doc.message = `${transportName(f.protocol)} ${side(f.sourceIp, f.sourcePort)} -> ${side(f.destinationIp, f.destinationPort)}`;
  doc.ecs = { version: ECS_VERSION };
  if (f.observer !== undefined) doc.observer = { ...f.observer };
  doc.flowtrail = {
    observer: f.observerId ?? f.module,
    initiator: sourceInitiated ? 'source' : 'destination',
  };
  if (f.tcpFlags !== undefined)
    (doc.flowtrail as Record<string, unknown>).tcp_flags = tcpFlagNames(f.tcpFlags);
  if (f.input !== undefined) doc.input = { type: f.input };
  // A pre-written value merges as the value it stands for.
  if (f.extra !== undefined) mergeInto(doc, JSON.parse(JSON.stringify(f.extra)));
  return JSON.parse(JSON.stringify(doc));
}

function address(next: () => number, v6: boolean): string {
  if (!v6) {
    const first = [10, 192, 198, 203][Math.floor(next() * 4)];
    return [first, 168, Math.floor(next() * 256), Math.floor(next() * 256)].join('.');
  }
  const prefix = ['fd00', '2001:db8', 'FE80'][Math.floor(next() * 3)];
  return `${prefix}::${Math.floor(next() * 0xffff).toString(16)}:${Math.floor(next() * 0xffff).toString(16)}`;
}

function maybe<T>(next: () => number, value: T): T | undefined {
  return next() < 0.5 ? value : undefined;
}

function generatedFacts(next: () => number): FlowFacts {
  const v6 = next() < 0.4;
  const protocol = [1, 6, 17, 58, 47, 132, 255][Math.floor(next() * 7)];
  const start = maybe(next, 1_700_000_000_000 + next() * 1e10);
  const extras: Array<Record<string, unknown> | undefined> = [
    undefined,
    {
      zeek: {
        session_id: text(next),
        connection: { history: text(next), missed: 0, local: true, skip: undefined },
      },
    },
    {
      observer: { vendor: 'OISF', ingress: { interface: { name: text(next) } } },
      suricata: { eve: { n: [1, 2] } },
    },
    { source: { mac: 'AA-BB-CC-00-11-22' }, netflow: { exporter: { address: '192.0.2.1' } } },
    { network: 'replaced', '@timestamp': '2020-01-01T00:00:00.000Z' },
    { zeek: new RawJson(`{"session_id":${JSON.stringify(text(next))},"connection":{"n":[1,"x"]}}`) },
    { observer: new RawJson('{"vendor":"Zeek","ingress":{"interface":{"name":"eth0"}}}') },
    { client: { domain: text(next) }, server: { domain: 'b' }, flowtrail: { note: 1 } },
    { input: { note: text(next) }, ecs: { note: 1 }, message: text(next) },
  ];
  const sourceIp = address(next, v6);
  return {
    module: next() < 0.9 ? 'zeek' : text(next),
    action: next() < 0.9 ? 'zeek_connection' : text(next),
    protocol,
    sourceIp,
    destinationIp: next() < 0.05 ? sourceIp : address(next, v6),
    sourcePort: maybe(next, Math.floor(next() * 65536)),
    destinationPort: maybe(next, Math.floor(next() * 65536)),
    sourceMac: maybe(next, text(next, 6)),
    destinationMac: maybe(next, 'AA-BB-CC-DD-EE-FF'),
    bytes: maybe(next, Math.floor(next() * 1e9)),
    packets: maybe(next, next() < 0.02 ? Number.NaN : Math.floor(next() * 1e6)),
    reverseBytes: maybe(next, Math.floor(next() * 1e9)),
    reversePackets: maybe(next, Math.floor(next() * 1e6)),
    start,
    end: start === undefined ? maybe(next, 1_700_000_000_000) : maybe(next, start + next() * 1e6),
    durationNs: maybe(next, Math.round(next() * 1e12)),
    tcpFlags: maybe(next, Math.floor(next() * 512)),
    sourceIsInitiator: maybe(next, next() < 0.5),
    vlanId: maybe(next, Math.floor(next() * 4096)),
    observer: maybe(next, { ip: '192.0.2.9', name: maybe(next, text(next)) }),
    flowId: maybe(next, text(next)),
    communityId: maybe(next, `1:${text(next)}`),
    direction: maybe(next, 'inbound' as const),
    applicationProtocol: maybe(next, text(next, 4)),
    extra: extras[Math.floor(next() * extras.length)],
    input: maybe(next, next() < 0.8 ? 'netflow' : text(next)),
    original: maybe(next, text(next, 30)),
    observerId: maybe(next, text(next)),
    identity: text(next),
  };
}

describe('the flow document written straight to JSON', () => {
  it('is the document the nested-object mapping gives, for generated flows', () => {
    const next = random(7);
    for (let i = 0; i < 5000; i++) {
      const facts = generatedFacts(next);
      const record = toFlowRecord(facts, { localNetworks: local, now: NOW });
      expect(JSON.parse(record.json), JSON.stringify(facts)).toEqual(referenceDoc(facts));
    }
  });

  it('serializes the document again once it has been handed out, so changes to it are kept', () => {
    const record = toFlowRecord(generatedFacts(random(3)), { localNetworks: local, now: NOW });
    const before = record.json;
    (record.doc.event as Record<string, unknown>).original = 'changed';
    expect(record.json).not.toBe(before);
    expect(JSON.parse(record.json).event.original).toBe('changed');
    expect(JSON.parse(JSON.stringify(record))).toEqual({
      dataset: record.dataset,
      id: record.id,
      doc: record.doc,
    });
  });

  it('keeps a record that only carries JSON (a decode worker sends those) as is, and in the spool shape', () => {
    const record = new JsonRecord('flowtrail.flows', 'id-1', '{"a":{"b":[1,"x"]}}');
    expect(record.json).toBe('{"a":{"b":[1,"x"]}}');
    expect(record.doc).toEqual({ a: { b: [1, 'x'] } });
    // Parsed once, when first read.
    expect(record.doc).toBe(record.doc);
    expect(JSON.stringify(record)).toBe(
      '{"dataset":"flowtrail.flows","id":"id-1","doc":{"a":{"b":[1,"x"]}}}',
    );
  });
});

describe('binary document ids', () => {
  const parts: Array<string | number | undefined> = [
    'flowtrail.flows',
    'zeek',
    'C1',
    6,
    '10.0.0.1',
    1,
    undefined,
  ];

  it('are the same for the same parts, whenever they are computed', () => {
    const id = binaryDocumentId(...parts);
    binaryDocumentId('x'.repeat(5000), 'é');
    expect(binaryDocumentId(...parts)).toBe(id);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('stay the same from release to release, so that records read again overwrite their documents', () => {
    expect(binaryDocumentId(...parts)).toBe('hgxAieGkccKZiMGldUIRSg');
    expect(
      binaryDocumentId('flowtrail.flows', 'netflow', '192.0.2.1:0:77:3', 17, 1.5e12, -0, Number.NaN),
    ).toBe('fFFRQ4N6DxWyvwhUPTSoVg');
  });

  it('do not collide for many flows that differ in one part only', () => {
    const next = random(5);
    const ids = new Set<string>();
    const count = 200_000;
    for (let i = 0; i < count; i++) {
      const start = 1_700_000_000_000 + Math.floor(i / 7);
      ids.add(
        binaryDocumentId(
          'flowtrail.flows',
          'zeek',
          `C${Math.floor(next() * 1e6)}`,
          6,
          `10.0.${i % 256}.${Math.floor(i / 256) % 256}`,
          i % 65536,
          '192.0.2.1',
          443,
          start,
          start + (i % 7),
          i % 3 === 0 ? undefined : i,
        ),
      );
    }
    expect(ids.size).toBe(count);
  });

  it('differ when any part differs, including where the parts are split and what is absent', () => {
    const variants: Array<Array<string | number | undefined>> = [
      parts,
      ['flowtrail.flows', 'zeek', 'C2', 6, '10.0.0.1', 1, undefined],
      ['flowtrail.flows', 'zeek', 'C1', 17, '10.0.0.1', 1, undefined],
      ['flowtrail.flows', 'zeek', 'C1', 6, '10.0.0.1', 1, 0],
      ['flowtrail.flows', 'zeek', 'C1', 6, '10.0.0.1', 1, ''],
      ['flowtrail.flows', 'zeek', 'C1', 6, '10.0.0.1', 1.0000001, undefined],
      ['flowtrail.flows', 'zee', 'kC1', 6, '10.0.0.1', 1, undefined],
      ['flowtrail.flows', 'zeek', 'C1', 6, '10.0.0.1', '1', undefined],
      ['flowtrail.flows', 'zeek', 'Cé', 6, '10.0.0.1', 1, undefined],
      ['flowtrail.flows', 'zeek', 'Cè', 6, '10.0.0.1', 1, undefined],
      ['flowtrail.flows', 'zeek', 'C1', 6, '10.0.0.1', 1],
    ];
    const ids = new Set(variants.map((v) => binaryDocumentId(...v)));
    expect(ids.size).toBe(variants.length);
  });
});
