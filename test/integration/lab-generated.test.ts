import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FlowFacts } from '../../src/schema/flow.js';
import {
  capturedTcpBytes,
  captureWindow,
  decodeAgainstNfdump,
  LAB_PROBES,
  labScriptMissing,
  makeLab,
} from '../support/netflow/lab-flows.js';
import { describeNeeding } from '../support/requirements.js';

/** The scaled-down events make about 3,400 packets; a run that loops or floods shows here. */
const MAX_UPLINK_PACKETS = 20_000;
/** The script's target on a shared 2-core machine (it takes 30-70 s there). */
const MAX_SCRIPT_MS = 180_000;
/**
 * The heavy upload (iperf3 -n 4M) as the uplink saw it: on a busy machine the capture misses some of its packets,
 * so the exporters are held to the capture, and the capture to a bound well above every other transfer's share.
 */
const MIN_UPLOAD_BYTES = 1024 * 1024;

describeNeeding(labScriptMissing())('a lab made by scripts/lab/make-lab.sh', () => {
  let out: string;
  let flows: string;
  let scriptMs: number;
  const decoded = new Map<string, FlowFacts[]>();

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'flowtrail-lab-test-'));
    flows = join(out, 'flows');
    scriptMs = await makeLab(out);
  }, 300_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('ran within its time target', () => {
    console.log(`make-lab.sh took ${(scriptMs / 1000).toFixed(1)} s`);
    expect(scriptMs).toBeLessThan(MAX_SCRIPT_MS);
  });

  it('captured the uplink with a bounded number of packets', () => {
    const { first, last, packets } = captureWindow(join(out, 'uplink.pcap'));
    console.log(`uplink.pcap: ${packets} packets over ${((last - first) / 1000).toFixed(1)} s`);
    expect(packets).toBeGreaterThan(1000);
    expect(packets).toBeLessThan(MAX_UPLINK_PACKETS);
    expect(last - first).toBeLessThan(60_000);
  });

  for (const probe of LAB_PROBES) {
    it(`${probe}: the export decodes without errors and matches nfdump record for record`, () => {
      expect(existsSync(join(flows, `${probe}.pcap`))).toBe(true);
      const { result, ours, nfdump, nfdumpRecords } = decodeAgainstNfdump(flows, probe);
      expect(result.errors).toEqual([]);
      expect(result.flows.length).toBeGreaterThan(1000);
      expect(result.flows).toHaveLength(nfdumpRecords);
      expect(ours).toEqual(nfdump);
      const stats = Object.values(result.stats)[0];
      expect(stats.malformed + stats.lostPackets + stats.lostRecords + stats.sequenceResets).toBe(0);
      decoded.set(probe, result.flows);
    });
  }

  // lab/README.md's ground truth, in every probe's flows.
  it.each(LAB_PROBES)('%s shows the scans and the heavy upload', (probe) => {
    const all = decoded.get(probe);
    if (!all) throw new Error(`${probe} did not decode`);
    const tcp = all.filter((f) => f.protocol === 6);
    const distinct = (list: FlowFacts[], key: (f: FlowFacts) => unknown) => new Set(list.map(key)).size;

    const outgoingScan = tcp.filter(
      (f) =>
        f.sourceIp === '10.77.0.9' && f.destinationPort === 445 && f.destinationIp.startsWith('198.51.100.'),
    );
    expect(distinct(outgoingScan, (f) => f.destinationIp)).toBeGreaterThanOrEqual(250);

    const upload = tcp.filter(
      (f) => f.sourceIp === '10.77.0.5' && f.destinationIp === '198.51.100.20' && f.destinationPort === 5201,
    );
    const uploaded = upload.reduce((sum, f) => sum + (f.bytes ?? 0), 0);
    expect(uploaded).toBe(capturedTcpBytes(join(out, 'uplink.pcap'), '10.77.0.5', '198.51.100.20', 5201));
    expect(uploaded).toBeGreaterThan(MIN_UPLOAD_BYTES);

    const attacker = tcp.filter((f) => f.sourceIp === '203.0.113.66');
    const portScan = attacker.filter((f) => f.destinationIp === '10.77.0.1');
    expect(distinct(portScan, (f) => f.destinationPort)).toBeGreaterThanOrEqual(1000);
    const addressScan = attacker.filter((f) => f.destinationPort === 3389);
    expect(distinct(addressScan, (f) => f.destinationIp)).toBeGreaterThanOrEqual(250);

    expect(
      tcp.some(
        (f) => f.sourceIp === '198.51.100.30' && f.destinationIp === '10.77.0.1' && f.destinationPort === 22,
      ),
    ).toBe(true);
    expect(
      all.some((f) => f.protocol === 17 && f.sourceIp === '10.77.0.10' && f.destinationPort === 53),
    ).toBe(true);
  });
});
