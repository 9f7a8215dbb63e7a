import { describe, expect, it } from 'vitest';
import { toAlertRecord } from './alert.js';
import { ECS_VERSION } from './ecs.js';
import { toFlowRecord } from './flow.js';
import { parseIPv4 } from './ipv4.js';
import { LocalNetworks } from './locality.js';
import { mergeInto } from './merge.js';
import { protocolNumber, transportName } from './protocols.js';

const local = new LocalNetworks(['10.77.0.0/24', '2001:db8:77::/48']);

describe('IPv4 fast path', () => {
  it.each([
    ['0.0.0.0', 0],
    ['10.77.0.5', 0x0a4d0005],
    ['255.255.255.255', 0xffffffff],
  ])('parses %s', (text, value) => expect(parseIPv4(text)).toBe(value));
  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1..2.3', 'a.b.c.d', '::1', '1.2.3.4 '])(
    'rejects %j',
    (text) => expect(parseIPv4(text)).toBe(-1),
  );
});

describe('protocol names', () => {
  it.each([
    ['tcp', 6],
    ['TCP', 6],
    [' udp ', 17],
    ['6', 6],
    ['047', 47],
    ['icmp6', 58],
    ['IPv6-ICMP', 58],
    ['ipv4', 4],
    ['unknown_transport', undefined],
    ['', undefined],
  ])('%j is protocol %s', (name, number) => expect(protocolNumber(name)).toBe(number));

  it('reads every transport name back as its number', () => {
    for (let n = 0; n < 256; n++) {
      const name = transportName(n);
      expect(protocolNumber(name)).toBe(n);
      expect(protocolNumber(name.toUpperCase())).toBe(n);
    }
  });
});

describe('local networks', () => {
  it('classifies IPv4, IPv6 and IPv4-mapped IPv6 addresses', () => {
    expect(local.locality('10.77.0.254')).toBe('internal');
    expect(local.locality('10.77.1.1')).toBe('external');
    expect(local.locality('2001:db8:77::1')).toBe('internal');
    expect(local.locality('2001:db8:78::1')).toBe('external');
    expect(local.locality('::ffff:10.77.0.9')).toBe('internal');
    expect(local.locality('garbage')).toBe('external');
    expect(new LocalNetworks(['0.0.0.0/0']).locality('198.51.100.1')).toBe('internal');
  });

  it('derives direction as seen from the site', () => {
    expect(local.direction('internal', 'external')).toBe('outbound');
    expect(local.direction('external', 'internal')).toBe('inbound');
    expect(local.direction('internal', 'internal')).toBe('internal');
    expect(local.direction('external', 'external')).toBe('external');
  });
});

describe('flow and alert documents', () => {
  const now = Date.parse('2026-11-21T22:10:00Z');
  const facts = {
    module: 'zeek',
    action: 'zeek_conn',
    protocol: 6,
    sourceIp: '198.51.100.30',
    sourcePort: 60533,
    destinationIp: '10.77.0.1',
    destinationPort: 22,
    bytes: 100,
    packets: 2,
    reverseBytes: 300,
    reversePackets: 3,
    start: Date.parse('2026-11-21T22:05:42Z'),
    end: Date.parse('2026-11-21T22:05:43.5Z'),
    tcpFlags: 0x12,
    sourceIsInitiator: true,
    observer: { ip: '192.0.2.1' },
    identity: 'uid-1',
    extra: { observer: { vendor: 'Zeek' }, zeek: { session_id: 'uid-1' } },
  };

  it('maps flow facts to ECS once, with Filebeat names', () => {
    const { doc, dataset, id } = toFlowRecord(facts, { localNetworks: local, now });
    expect(dataset).toBe('flowtrail.flows');
    expect(doc).toMatchObject({
      '@timestamp': '2026-11-21T22:05:43.500Z',
      event: {
        kind: 'event',
        category: ['network'],
        type: ['connection'],
        duration: 1_500_000_000,
        module: 'zeek',
      },
      source: { ip: '198.51.100.30', port: 60533, bytes: 100, packets: 2, locality: 'external' },
      destination: { ip: '10.77.0.1', port: 22, bytes: 300, packets: 3, locality: 'internal' },
      client: { ip: '198.51.100.30' },
      server: { ip: '10.77.0.1' },
      message: 'tcp 198.51.100.30:60533 -> 10.77.0.1:22',
      ecs: { version: ECS_VERSION },
      network: {
        transport: 'tcp',
        iana_number: '6',
        bytes: 400,
        packets: 5,
        direction: 'inbound',
        type: 'ipv4',
      },
      flow: { locality: 'external' },
      related: { ip: ['198.51.100.30', '10.77.0.1'] },
      flowtrail: { tcp_flags: ['SYN', 'ACK'] },
      observer: { ip: '192.0.2.1', vendor: 'Zeek' },
      zeek: { session_id: 'uid-1' },
    });
    expect((doc.network as { community_id: string }).community_id).toMatch(/^1:[A-Za-z0-9+/]{27}=$/);
    // Locality is Filebeat's NetFlow field of source, destination and flow; ECS's client and server have none.
    expect(doc.client).not.toHaveProperty('locality');
    expect(doc.server).not.toHaveProperty('locality');
    expect(toFlowRecord(facts, { localNetworks: local, now: now + 1000 }).id).toBe(id);
    expect(toFlowRecord({ ...facts, identity: 'uid-2' }, { localNetworks: local, now }).id).not.toBe(id);
  });

  it('keeps a community id the source already computed', () => {
    const { doc } = toFlowRecord({ ...facts, communityId: '1:given' }, { localNetworks: local, now });
    expect((doc.network as { community_id: string }).community_id).toBe('1:given');
  });

  it('maps portless alerts (portscan) without inventing ports', () => {
    const { doc } = toAlertRecord(
      {
        module: 'snort',
        action: 'alert',
        time: now,
        rule: { id: '1', name: '(portscan) TCP Portscan', version: '1' },
        severity: 3,
        protocol: 255,
        sourceIp: '203.0.113.66',
        destinationIp: '10.77.0.1',
        identity: 'x',
      },
      { localNetworks: local, now },
    );
    expect(doc).toMatchObject({
      event: { kind: 'alert', severity: 3 },
      flowtrail: { severity: 'low' },
      source: { ip: '203.0.113.66' },
      network: { direction: 'inbound' },
    });
    expect((doc.source as Record<string, unknown>).port).toBeUndefined();
  });

  it("gives an alert its rule's message: the description where the tool has one, else the name", () => {
    const alert = (rule: { name?: string; description?: string }) =>
      toAlertRecord(
        { module: 'zeek', action: 'notice', time: now, rule, identity: 'x' },
        { localNetworks: local, now },
      ).doc;
    expect(alert({ name: 'Scan::Port_Scan', description: '10.0.0.1 scanned 15 ports' })).toMatchObject({
      message: '10.0.0.1 scanned 15 ports',
      ecs: { version: ECS_VERSION },
    });
    expect(alert({ name: 'ET POLICY curl User-Agent' }).message).toBe('ET POLICY curl User-Agent');
    expect(alert({}).message).toBe('notice');
  });

  it('merges nested extra fields instead of replacing objects', () => {
    const target: Record<string, unknown> = { a: { b: 1, c: [1] }, d: 1 };
    mergeInto(target, { a: { c: [2], e: 3 }, d: { f: 1 } });
    expect(target).toEqual({ a: { b: 1, c: [2], e: 3 }, d: { f: 1 } });
  });
});
