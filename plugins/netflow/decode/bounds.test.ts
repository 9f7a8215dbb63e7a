import { describe, expect, it } from 'vitest';
import {
  dataSet,
  FLOW_FIELDS,
  type Flow,
  flowRecord,
  ipfixMessage,
  manyFields,
  templateSet,
} from '../../../test/support/netflow/ipfix.js';
import { NetflowDecoder, OTHER_EXPORTERS } from './decoder.js';
import { snapshotJson } from './snapshot.js';

const T0 = 1_700_000_000_000;

function flow(i: number): Flow {
  return {
    source: '10.1.0.1',
    destination: '10.2.0.1',
    sourcePort: 10_000 + (i % 50_000),
    destinationPort: 443,
    protocol: 6,
    bytes: 1000 + i,
    packets: 3,
    start: T0 - 2000,
    end: T0 - 1000,
  };
}

const TEMPLATE = templateSet([{ id: 256, fields: FLOW_FIELDS }]);
const withTemplate = (seq: number, records: number) =>
  ipfixMessage(1, seq, T0, [
    TEMPLATE,
    dataSet(
      256,
      Array.from({ length: records }, (_, i) => flowRecord(flow(seq + i))),
    ),
  ]);
const dataOnly = (seq: number, domain = 1) =>
  ipfixMessage(domain, seq, T0, [dataSet(256, [flowRecord(flow(seq))])]);

function fromLoopback(d: NetflowDecoder, message: Buffer, port: number): void {
  d.decode(message, '127.0.0.1', port, T0);
}

describe('exporter table', () => {
  it('a flood of spoofed sources displaces only its own kind: a new exporter is accepted, a busy one keeps its templates', () => {
    const decoder = new NetflowDecoder({ maxExporters: 100 });
    expect(decoder.decode(withTemplate(0, 2), '192.0.2.1', 2055, T0).records).toHaveLength(2);
    for (let i = 0; i < 20_000; i++) {
      // Data before any template (kept pending), and templates that never decode a record.
      const message = i % 2 === 0 ? dataOnly(i) : ipfixMessage(1, i, T0, [TEMPLATE]);
      expect(decoder.decode(message, '127.0.0.1', 1024 + (i % 60_000), T0 + i).error).toBeUndefined();
    }
    expect(decoder.usage().exporters).toBe(100);
    expect(decoder.limitHits().exporters).toBeGreaterThan(19_000);
    expect(decoder.evictedExporters).toBe(decoder.limitHits().exporters);
    expect(decoder.rejectedExporterPackets).toBe(0);
    // The exporter that was decoding still has its template; one that comes after the flood is accepted.
    expect(decoder.decode(dataOnly(5), '192.0.2.1', 2055, T0 + 30_000).records).toHaveLength(1);
    expect(decoder.decode(withTemplate(0, 3), '198.51.100.7', 4739, T0 + 30_000).records).toHaveLength(3);
    // The counters of displaced exporters are summed, not lost.
    const stats = decoder.stats();
    const packets = Object.values(stats).reduce((n, s) => n + s.packets, 0);
    expect(packets).toBe(20_003);
  });

  it('refuses new exporters, and counts them, only when every slot holds templates in use', () => {
    const decoder = new NetflowDecoder({ maxExporters: 3 });
    for (let port = 1; port <= 3; port++) decoder.decode(withTemplate(0, 1), '192.0.2.1', port, T0);
    const refused = decoder.decode(withTemplate(0, 1), '192.0.2.1', 4, T0);
    expect(refused).toEqual({ records: [], error: 'exporter-limit' });
    expect(decoder.rejectedExporterPackets).toBe(1);
    expect(decoder.limitHits().exporters).toBe(1);
  });

  it('forgets an exporter that holds no template once idle, and does not save it', () => {
    const decoder = new NetflowDecoder({ exporterIdleMs: 60_000 });
    decoder.decode(dataOnly(0), '127.0.0.1', 1000, T0);
    decoder.decode(withTemplate(0, 1), '192.0.2.1', 2055, T0);
    expect(decoder.snapshot().exporters.map((e) => e.address)).toEqual(['192.0.2.1']);
    decoder.expire(T0 + 30_000);
    expect(decoder.usage().exporters).toBe(2);
    decoder.expire(T0 + 61_000);
    expect(decoder.usage().exporters).toBe(1);
    expect(decoder.usage().pendingBytes).toBe(0);
    expect(Object.keys(decoder.stats()).sort()).toEqual(['192.0.2.1:2055', OTHER_EXPORTERS]);
  });

  it('keeps no lockout across a restart: spoofed exporters saved with unused templates give up their slots', () => {
    const first = new NetflowDecoder({ maxExporters: 1000 });
    for (let i = 0; i < 1000; i++) fromLoopback(first, ipfixMessage(1, i, T0, [TEMPLATE]), 1024 + i);
    expect(first.snapshot().exporters).toHaveLength(1000);
    const second = new NetflowDecoder({ maxExporters: 1000 });
    second.restore(JSON.parse(JSON.stringify(first.snapshot())), T0);
    expect(second.usage().exporters).toBe(1000);
    expect(second.decode(withTemplate(0, 2), '192.0.2.1', 2055, T0).records).toHaveLength(2);
    expect(second.rejectedExporterPackets).toBe(0);
  });

  it('restores a snapshot within the bounds of the new run', () => {
    const first = new NetflowDecoder();
    for (let port = 1; port <= 10; port++) first.decode(withTemplate(0, 1), '192.0.2.1', port, T0);
    const second = new NetflowDecoder({ maxExporters: 4, maxTemplateBytes: 3 * 6000 });
    second.restore(JSON.parse(JSON.stringify(first.snapshot())), T0);
    expect(second.usage().exporters).toBe(4);
    expect(second.templateCount()).toBe(3);
    expect(second.limitHits().template_bytes).toBe(1);
  });
});

describe('template bounds', () => {
  it('refuses templates of more fields than allowed, whatever their number', () => {
    const decoder = new NetflowDecoder();
    for (let i = 0; i < 50; i++) {
      const bomb = ipfixMessage(1, i, T0, [templateSet([{ id: 256 + i, fields: manyFields(16_000, i) }])]);
      decoder.decode(bomb, '192.0.2.1', 2055, T0);
    }
    expect(decoder.templateCount()).toBe(0);
    expect(decoder.usage().templateBytes).toBe(0);
    expect(decoder.limitHits().template_fields).toBe(50);
    expect(decoder.stats()['192.0.2.1:2055'].templatesRejected).toBe(50);
  });

  it('holds at most the template bytes allowed over all exporters, however many templates come', () => {
    const max = 8 * 1024 * 1024;
    const decoder = new NetflowDecoder({ maxTemplateBytes: max });
    for (let exporter = 0; exporter < 100; exporter++) {
      for (let i = 0; i < 20; i++) {
        const message = ipfixMessage(1, i, T0, [templateSet([{ id: 256 + i, fields: manyFields(1000, i) }])]);
        decoder.decode(message, `10.0.${exporter}.1`, 2055, T0);
      }
    }
    const { templateBytes } = decoder.usage();
    expect(templateBytes).toBeLessThanOrEqual(max);
    expect(templateBytes).toBeGreaterThan(max - 200_000);
    expect(decoder.limitHits().template_bytes).toBe(2000 - decoder.templateCount());
    // Withdrawn templates give their bytes back.
    const withdrawAll = Buffer.from([0, 2, 0, 8, 0, 2, 0, 0]);
    for (let exporter = 0; exporter < 100; exporter++)
      decoder.decode(ipfixMessage(1, 99, T0, [withdrawAll]), `10.0.${exporter}.1`, 2055, T0);
    expect(decoder.usage().templateBytes).toBe(0);
  });

  it('holds at most the templates allowed per domain and per exporter', () => {
    const decoder = new NetflowDecoder({ maxTemplatesPerDomain: 100, maxTemplatesPerExporter: 150 });
    for (let domain = 0; domain < 3; domain++) {
      for (let i = 0; i < 300; i++) {
        const message = ipfixMessage(domain, i, T0, [templateSet([{ id: 256 + i, fields: FLOW_FIELDS }])]);
        decoder.decode(message, '192.0.2.1', 2055, T0);
      }
    }
    expect(decoder.templateCount()).toBe(150);
    expect(decoder.limitHits().templates_per_domain).toBe(200);
    // Domain 1 gets 50 before the exporter is full; the exporter bound is checked first.
    expect(decoder.limitHits().templates_per_exporter).toBe(250 + 300);
  });
});

describe('observation domain bounds', () => {
  it('keeps a bounded number of domains per exporter when every message names a new one', () => {
    const decoder = new NetflowDecoder();
    decoder.decode(withTemplate(0, 1), '192.0.2.1', 2055, T0);
    for (let i = 0; i < 100_000; i++) {
      const headerOnly = ipfixMessage(1000 + i, i, T0, []);
      expect(decoder.decode(headerOnly, '192.0.2.1', 2055, T0).error).toBeUndefined();
    }
    expect(decoder.usage().domains).toBe(64);
    expect(decoder.limitHits().domains_per_exporter).toBe(100_000 - 63);
    // The domain holding a template stays, and the empty ones are not saved.
    expect(decoder.decode(dataOnly(1), '192.0.2.1', 2055, T0).records).toHaveLength(1);
    expect(decoder.snapshot().exporters[0].domains).toHaveLength(1);
  });

  it('refuses a new domain, and counts it, when all exporters together hold as many as allowed', () => {
    const decoder = new NetflowDecoder({ maxDomains: 50, maxDomainsPerExporter: 5 });
    for (let exporter = 0; exporter < 20; exporter++) {
      for (let domain = 0; domain < 5; domain++) {
        const message = ipfixMessage(domain, 0, T0, [TEMPLATE]);
        decoder.decode(message, `10.0.${exporter}.1`, 2055, T0);
      }
    }
    expect(decoder.usage().domains).toBe(50);
    expect(decoder.limitHits().domains).toBe(50);
    const refused = decoder.decode(ipfixMessage(9, 0, T0, [TEMPLATE]), '10.0.19.1', 2055, T0);
    expect(refused.error).toBe('domain-limit');
    expect(decoder.stats()['10.0.19.1:2055'].domainsRejected).toBe(6);
  });
});

describe('pending buffer bounds', () => {
  it('holds at most the bytes allowed over all exporters while their templates are missing', () => {
    const max = 1024 * 1024;
    const decoder = new NetflowDecoder({ maxPendingBytes: max, maxExporters: 1000 });
    const records = Array.from({ length: 30 }, (_, i) => flowRecord(flow(i)));
    let sent = 0;
    for (let exporter = 0; exporter < 300; exporter++) {
      for (let i = 0; i < 64; i++) {
        decoder.decode(ipfixMessage(1, i, T0, [dataSet(256 + i, records)]), `10.1.${exporter}.1`, 2055, T0);
        sent++;
      }
    }
    const { pendingBytes } = decoder.usage();
    expect(pendingBytes).toBeLessThanOrEqual(max);
    expect(pendingBytes).toBeGreaterThan(max - 30 * 45);
    expect(decoder.pendingCount()).toBe(Math.floor(max / (30 * 45)));
    expect(decoder.limitHits().pending_bytes).toBe(sent - decoder.pendingCount());
    // Decoding what waited gives its bytes back, as does ageing out.
    decoder.decode(ipfixMessage(1, 99, T0, [TEMPLATE]), '10.1.0.1', 2055, T0);
    decoder.expire(T0 + 120_000);
    expect(decoder.usage().pendingBytes).toBe(0);
  });
});

describe('exporter counters', () => {
  it('names the most active exporters up to the limit and sums the others under "other"', () => {
    const decoder = new NetflowDecoder({ maxExporterSeries: 10 });
    for (let exporter = 0; exporter < 200; exporter++) {
      for (let i = 0; i <= exporter % 7; i++) decoder.decode(dataOnly(i), `10.2.${exporter}.1`, 2055, T0);
    }
    const stats = decoder.stats();
    expect(Object.keys(stats)).toHaveLength(11);
    expect(Object.values(stats).reduce((n, s) => n + s.packets, 0)).toBe(
      Array.from({ length: 200 }, (_, e) => (e % 7) + 1).reduce((a, b) => a + b, 0),
    );
    for (const [key, s] of Object.entries(stats)) if (key !== OTHER_EXPORTERS) expect(s.packets).toBe(7);
  });
});

describe('saved state', () => {
  it('writes at most the bytes allowed, keeping exporters in use and recently refreshed templates', () => {
    const decoder = new NetflowDecoder();
    decoder.decode(withTemplate(0, 1), '192.0.2.1', 2055, T0);
    for (let i = 0; i < 500; i++) {
      const unused = ipfixMessage(1, i, T0, [templateSet([{ id: 256, fields: manyFields(100, i) }])]);
      decoder.decode(unused, '127.0.0.1', 1000 + i, T0 + i);
    }
    const snapshot = decoder.snapshot();
    const whole = snapshotJson(snapshot, Number.POSITIVE_INFINITY);
    expect(whole.omitted).toBe(0);
    const { json, omitted } = snapshotJson(snapshot, 100_000);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(100_000);
    expect(Buffer.byteLength(whole.json)).toBeGreaterThan(500_000);
    const kept = JSON.parse(json) as typeof snapshot;
    expect(kept.exporters.length + omitted).toBe(501);
    expect(kept.exporters[0]).toMatchObject({ address: '192.0.2.1', proven: true });
    // The most recently refreshed of the others come next.
    expect(kept.exporters[1].port).toBe(1499);
    const restored = new NetflowDecoder();
    restored.restore(kept, T0 + 1000);
    expect(restored.decode(dataOnly(9), '192.0.2.1', 2055, T0 + 1000).records).toHaveLength(1);
  });
});
