import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalNetworks } from '../../src/schema/locality.js';
import { LAB_FLOWS, pcapPayloads } from '../../test/support/netflow/fixtures.js';
import { POISON_IPFIX, poisonWithGoodRecord } from '../../test/support/netflow/poison.js';
import { seededIntegers } from '../../test/support/random.js';
import { describeNeeding, fixturesMissing } from '../../test/support/requirements.js';
import type { PackedDatagram } from './datagram-batch.js';
import { DatagramDecoding, type DecodedDocuments } from './datagram-decoding.js';
import { NetflowDecoder } from './decode/decoder.js';
import { DEAD_LETTERS_PER_MINUTE } from './problem-counts.js';

const NOW = Date.UTC(2026, 11, 7);

function documents(): DecodedDocuments {
  return { datasets: [], ids: [], jsons: [], deadLetters: [] };
}

function datagram(data: Buffer, address = '192.0.2.9', port = 4739): PackedDatagram {
  return { data, address, port, receivedAt: NOW };
}

describe('the decode worker path of one datagram', () => {
  it('counts the poison IPFIX message as a record with an invalid time and dead-letters it', () => {
    const decoding = new DatagramDecoding(new NetflowDecoder(), new LocalNetworks([]));
    const out = documents();
    decoding.decode(datagram(POISON_IPFIX), NOW, out);
    expect(out.ids).toEqual([]);
    expect(decoding.problems().skippedRecords).toEqual({ '192.0.2.9:4739': { 'invalid-time': 1 } });
    expect(out.deadLetters).toEqual([
      {
        origin: '192.0.2.9:4739',
        reason: 'netflow: 1 flow record(s) left out: a start or end time out of range',
        raw: POISON_IPFIX.toString('base64'),
      },
    ]);
  });

  it('keeps the good records of a datagram whose other record has an invalid time', () => {
    const decoding = new DatagramDecoding(new NetflowDecoder(), new LocalNetworks([]));
    const out = documents();
    decoding.decode(datagram(poisonWithGoodRecord(NOW - 1000)), NOW, out);
    expect(out.jsons).toHaveLength(1);
    expect(JSON.parse(out.jsons[0])).toMatchObject({
      '@timestamp': new Date(NOW - 1000).toISOString(),
      source: { ip: '10.0.0.3' },
      destination: { ip: '10.0.0.4' },
    });
    expect(decoding.problems().skippedRecords).toEqual({ '192.0.2.9:4739': { 'invalid-time': 1 } });
  });

  it('costs a datagram whose decoding throws that datagram only, and goes on', () => {
    class Failing extends NetflowDecoder {
      override decode(data: Buffer, exporter: string, port: number, receivedAt?: number) {
        if (data[0] === 0xff) throw new TypeError('a decoder bug');
        return super.decode(data, exporter, port, receivedAt);
      }
    }
    const decoding = new DatagramDecoding(new Failing(), new LocalNetworks([]));
    const out = documents();
    decoding.decode(datagram(Buffer.from([0xff, 0, 0, 0])), NOW, out);
    decoding.decode(datagram(poisonWithGoodRecord(NOW)), NOW, out);
    expect(out.jsons).toHaveLength(1);
    expect(decoding.problems().failedPackets).toEqual({ '192.0.2.9:4739': { error: 1 } });
    expect(out.deadLetters[0].reason).toBe('netflow: datagram not decoded: TypeError: a decoder bug');
  });

  it(`dead-letters at most ${DEAD_LETTERS_PER_MINUTE} a minute, and counts every one`, () => {
    const decoding = new DatagramDecoding(new NetflowDecoder(), new LocalNetworks([]));
    const out = documents();
    for (let i = 0; i < DEAD_LETTERS_PER_MINUTE + 50; i++) decoding.decode(datagram(POISON_IPFIX), NOW, out);
    expect(out.deadLetters).toHaveLength(DEAD_LETTERS_PER_MINUTE);
    decoding.decode(datagram(POISON_IPFIX), NOW + 60_000, out);
    expect(out.deadLetters).toHaveLength(DEAD_LETTERS_PER_MINUTE + 1);
    const problems = decoding.problems();
    expect(problems.skippedRecords['192.0.2.9:4739']['invalid-time']).toBe(DEAD_LETTERS_PER_MINUTE + 51);
    expect(problems.deadLettersOverBudget).toBe(50);
  });
});

describeNeeding(fixturesMissing())('bit-flipped lab datagrams through the decode worker path', () => {
  for (const probe of ['softflowd-v9', 'softflowd-ipfix', 'pmacct-v9', 'pmacct-ipfix']) {
    it(`${probe}: every copy with one bit flipped is decoded or counted, never thrown`, () => {
      const payloads = pcapPayloads(join(LAB_FLOWS, `${probe}.pcap`));
      const decoding = new DatagramDecoding(new NetflowDecoder(), new LocalNetworks([]));
      const originals = documents();
      for (const p of payloads) decoding.decode(datagram(p.data, p.exporter, p.port), NOW, originals);
      expect(originals.jsons.length).toBeGreaterThan(0);
      expect(originals.deadLetters).toEqual([]);
      const random = seededIntegers(0x12);
      const out = documents();
      for (let round = 0; round < 5; round++) {
        for (const p of payloads) {
          const copy = Buffer.from(p.data);
          copy[random(copy.length)] ^= 1 << random(8);
          decoding.decode(datagram(copy, p.exporter, p.port), NOW, out);
        }
      }
      expect(out.jsons.length).toBeGreaterThan(0);
      const problems = decoding.problems();
      expect(problems.failedPackets).toEqual({});
      // Nothing threw on the way: a flipped bit makes a counted reason, never an exception caught late.
      for (const reasons of Object.values(problems.skippedRecords))
        expect(Object.keys(reasons)).toEqual(['invalid-time']);
      const invalidTimes = Object.values(problems.skippedRecords).reduce(
        (sum, reasons) => sum + (reasons['invalid-time'] ?? 0),
        0,
      );
      // pmacct sends absolute times (flowStart/EndMilliseconds), where a flipped high bit leaves the date range.
      if (probe.startsWith('pmacct')) expect(invalidTimes).toBeGreaterThan(0);
      expect(out.deadLetters.length).toBeLessThanOrEqual(DEAD_LETTERS_PER_MINUTE);
    });
  }
});
