import { expect, it } from 'vitest';
import { toFlowRecord } from '../../src/schema/flow.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { exportCorpus } from '../../test/support/netflow/fixtures.js';
import { seededIntegers } from '../../test/support/random.js';
import { describeNeeding, fixturesMissing } from '../../test/support/requirements.js';
import { NetflowDecoder } from './decode/decoder.js';
import { produce } from './producer.js';

/** A template set announcing `count` random template ids (v9 or IPFIX), to flood the cache. */
function templateFlood(random: (n: number) => number, ipfix: boolean): Buffer {
  const count = 1 + random(40);
  const header = ipfix ? 16 : 20;
  const b = Buffer.alloc(header + 4 + count * 8);
  b.writeUInt16BE(ipfix ? 10 : 9, 0);
  if (ipfix) b.writeUInt16BE(b.length, 2);
  b.writeUInt32BE(random(4), ipfix ? 12 : 16);
  b.writeUInt16BE(ipfix ? 2 : 0, header);
  b.writeUInt16BE(b.length - header, header + 2);
  for (let i = 0; i < count; i++) {
    const o = header + 4 + i * 8;
    b.writeUInt16BE(256 + random(65280), o);
    b.writeUInt16BE(1, o + 2);
    b.writeUInt16BE(1 + random(300), o + 4);
    b.writeUInt16BE(1 + random(16), o + 6);
  }
  return b;
}

function mutate(base: Buffer, random: (n: number) => number): Buffer {
  const b = Buffer.from(base);
  switch (random(5)) {
    case 0: {
      // Bit flips.
      const flips = 1 + random(8);
      for (let i = 0; i < flips && b.length > 0; i++) b[random(b.length)] ^= 1 << random(8);
      return b;
    }
    case 1:
      return b.subarray(0, random(b.length + 1));
    case 2: {
      // Length and count lies in the first 64 bytes, where headers and set headers live.
      const o = random(Math.max(1, Math.min(64, b.length - 1)));
      if (o + 2 <= b.length) b.writeUInt16BE(random(4) === 0 ? 0 : random(65536), o);
      return b;
    }
    case 3: {
      // Random bytes after a valid header.
      for (let i = 16 + random(8); i < b.length; i++) b[i] = random(256);
      return b;
    }
    default:
      return templateFlood(random, random(2) === 0);
  }
}

describeNeeding(fixturesMissing())('fuzzing', () => {
  it('survives 100 000 mutated packets without throwing or growing without bound', () => {
    const random = seededIntegers(0x5eed);
    const base = exportCorpus(10);
    const maxTemplates = 64;
    const maxPending = 16;
    const decoder = new NetflowDecoder({
      maxTemplatesPerExporter: maxTemplates,
      maxPendingPerExporter: maxPending,
    });
    const exporters = ['192.0.2.1', '192.0.2.2', '2001:db8::1'];
    // Documents too, as the decode worker writes them: a flow time out of Date's range once threw only there.
    const localNetworks = new LocalNetworks([]);
    let records = 0;
    let errors = 0;
    for (let i = 0; i < 100_000; i++) {
      const packet = mutate(base[random(base.length)], random);
      const exporter = exporters[random(exporters.length)];
      const result = decoder.decode(packet, exporter, 2055, i);
      if (result.error) errors++;
      const produced = produce(result.records);
      records += produced.flows.length;
      for (const flow of produced.flows) toFlowRecord(flow, { localNetworks, now: i });
    }
    expect(records).toBeGreaterThan(0);
    expect(errors).toBeGreaterThan(0);
    expect(decoder.templateCount()).toBeLessThanOrEqual(maxTemplates * exporters.length);
    expect(decoder.pendingCount()).toBeLessThanOrEqual(maxPending * exporters.length);
    const stats = Object.values(decoder.stats());
    expect(stats.reduce((sum, s) => sum + s.templatesRejected, 0)).toBeGreaterThan(0);
  });
});
