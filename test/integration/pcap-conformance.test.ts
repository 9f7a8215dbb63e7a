/**
 * `flowtrail ingest pcap` against the reference meters, on the lab capture and the community-id / Zeek traces of
 * the shared fixtures: the flows that reach Elasticsearch are compared with softflowd's (`softflowd -r`, NetFlow v9
 * into nfcapd, read by nfdump), Argus's (`argus -r`, merged by `racluster`) and tshark's conversation tables, flow by
 * flow. Where the tools count differently the difference is asserted exactly, as the README explains it:
 * - softflowd's flows are one-way: each flowtrail flow is two of them (one when nothing came back), IP bytes alike;
 * - Argus and tshark count frame bytes: IP bytes plus the 14-byte Ethernet header of each frame;
 * - Argus meters ARP and LLC (spanning tree), which are no IP flows here; it keys ICMP by more than type and code (echo id, the packet an
 *   error quotes), so ICMP is compared per address pair, where the sums agree;
 * - softflowd and Argus do not read PPP (link type 9) captures, so the PPP trace is compared with tshark alone.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createCaptureMeter } from '../../codecs/pcap/meter.js';
import { ICMP4_COUNTERPART, ICMP6_COUNTERPART } from '../../src/schema/community-id.js';
import { searchPattern } from '../../src/store/naming.js';
import { runCli } from '../support/cli.js';
import { freeUdpPort } from '../support/collector.js';
import { type TestClient, testClient } from '../support/es.js';
import { FIXTURES } from '../support/fixtures.js';
import {
  argusFlows,
  endpoint,
  softflowdFlows,
  tsharkConversations,
  tsharkSize,
} from '../support/flow-references.js';
import { describeNeeding, firstMissing, fixturesMissing, toolsMissing } from '../support/requirements.js';

/** A flow as it reached Elasticsearch. */
interface StoredFlow {
  transport: string;
  source: string;
  destination: string;
  sourceIp: string;
  destinationIp: string;
  packets: number;
  bytes: number;
  reversePackets: number;
  reverseBytes: number;
  communityId: string | undefined;
  state: string;
  history: string | undefined;
}

const ETHERNET_HEADER = 14;
/** Transports whose flows carry ports; Argus writes none for SCTP, so it is compared there as ICMP is. */
const PORTED = new Set(['tcp', 'udp', 'sctp']);
const ARGUS_PORTED = new Set(['tcp', 'udp']);

const lab = join(FIXTURES, 'lab', 'uplink.pcap');
const spec = ['icmp', 'icmp6', 'ipv6', 'rsvp', 'sctp', 'tcp', 'udp', 'arp'].map((n) =>
  join(FIXTURES, 'community-id', 'pcaps', `${n}.pcap`),
);
const zeekRuns = ['arp', 'icmp', 'icmp6', 'ipv6', 'sctp', 'tcp', 'udp'].map((n) =>
  join(FIXTURES, 'community-id', 'zeek-run-pcaps', `${n}.pcap`),
);
const traces = ['ftp_ipv6', 'http_get', 'tcp_handshake-reorder', 'wikipedia', 'tunnels_Teredo'].map((n) =>
  join(FIXTURES, 'zeek', 'btest-baseline', 'traces', `${n}.pcap`),
);
const pppTrace = join(FIXTURES, 'zeek', 'btest-baseline', 'traces', 'ppp_quic-interop-retry.pcap');

function stored(doc: Record<string, any>): StoredFlow {
  const transport: string = doc.network.transport;
  const ported = PORTED.has(transport);
  return {
    transport,
    source: endpoint(doc.source.ip, ported ? doc.source.port : undefined),
    destination: endpoint(doc.destination.ip, ported ? doc.destination.port : undefined),
    sourceIp: doc.source.ip,
    destinationIp: doc.destination.ip,
    packets: doc.source.packets,
    bytes: doc.source.bytes,
    reversePackets: doc.destination.packets,
    reverseBytes: doc.destination.bytes,
    communityId: doc.network.community_id,
    state: doc.zeek.connection.state,
    history: doc.zeek.connection.history,
  };
}

/** flowtrail's flows as one-way halves, as softflowd exports them. */
function halves(flows: StoredFlow[]): string[] {
  return flows
    .filter((f) => f.transport === 'tcp' || f.transport === 'udp')
    .flatMap((f) => [
      // A flow seen from its responder only (a SYN-ACK, history ^h) has no packets from its source.
      ...(f.packets > 0 ? [`${f.transport} ${f.source} > ${f.destination} ${f.packets} ${f.bytes}`] : []),
      ...(f.reversePackets > 0
        ? [`${f.transport} ${f.destination} > ${f.source} ${f.reversePackets} ${f.reverseBytes}`]
        : []),
    ])
    .sort();
}

const pair = (a: string, b: string) => [a, b].sort().join(' <-> ');

/** Both ends' packets and bytes, in a fixed order, under the flow's unordered key. */
function sides(a: string, aCount: number[], b: string, bCount: number[]): string {
  return [`${a} ${aCount.join('/')}`, `${b} ${bCount.join('/')}`].sort().join(' | ');
}

/** ICMP (and other portless) traffic per protocol and address pair, summed: the grain Argus and flowtrail share. */
function portlessSums(rows: Array<{ protocol: string; a: string; b: string; ab: number[]; ba: number[] }>) {
  const sums = new Map<string, Map<string, number[]>>();
  for (const r of rows) {
    const key = `${r.protocol} ${pair(r.a, r.b)}`;
    const bySide = sums.get(key) ?? new Map<string, number[]>();
    for (const [side, count] of [
      [r.a, r.ab],
      [r.b, r.ba],
    ] as const) {
      const total = bySide.get(side) ?? [0, 0];
      bySide.set(side, [total[0] + count[0], total[1] + count[1]]);
    }
    sums.set(key, bySide);
  }
  return [...sums]
    .map(
      ([key, bySide]) =>
        `${key}: ${[...bySide]
          .map(([s, c]) => `${s} ${c.join('/')}`)
          .sort()
          .join(' | ')}`,
    )
    .sort();
}

function expectAgreement(
  file: string,
  flows: StoredFlow[],
  softflowd: Awaited<ReturnType<typeof softflowdFlows>>,
) {
  // softflowd: every flow's two directions, packets and IP bytes exactly.
  expect(halves(flows), `${file}: softflowd`).toEqual(
    softflowd
      .filter((f) => f.protocol === 'tcp' || f.protocol === 'udp')
      .map((f) => `${f.protocol} ${f.from} > ${f.to} ${f.packets} ${f.bytes}`)
      .sort(),
  );

  // Argus, merged by racluster: ported flows one by one, frame bytes = IP bytes + the Ethernet header.
  // Argus meters frames without IP too (ARP, LLC such as spanning tree, keyed by MAC address): no IP flows here.
  const mac = /^([0-9a-f]{2}:){5}[0-9a-f]{2}(:|$)/;
  const argus = argusFlows(file).filter((f) => f.protocol !== 'arp' && !mac.test(f.a));
  const frame = (packets: number, bytes: number) => [packets, bytes + ETHERNET_HEADER * packets];
  const ported = flows.filter((f) => ARGUS_PORTED.has(f.transport));
  expect(
    ported
      .map(
        (f) =>
          `${f.transport} ${sides(f.source, frame(f.packets, f.bytes), f.destination, frame(f.reversePackets, f.reverseBytes))}`,
      )
      .sort(),
    `${file}: Argus`,
  ).toEqual(
    argus
      .filter((f) => ARGUS_PORTED.has(f.protocol))
      .map(
        (f) =>
          `${f.protocol} ${sides(f.a, [f.forward.packets, f.forward.bytes], f.b, [f.reverse.packets, f.reverse.bytes])}`,
      )
      .sort(),
  );
  const address = (e: string) => (e.includes('.') ? e.split(':')[0] : e);
  expect(
    portlessSums(
      flows
        .filter((f) => !ARGUS_PORTED.has(f.transport))
        .map((f) => ({
          protocol: f.transport,
          a: f.sourceIp,
          b: f.destinationIp,
          ab: frame(f.packets, f.bytes),
          ba: frame(f.reversePackets, f.reverseBytes),
        })),
    ),
    `${file}: Argus, ICMP per address pair`,
  ).toEqual(
    portlessSums(
      argus
        .filter((f) => !ARGUS_PORTED.has(f.protocol))
        .map((f) => ({
          protocol: f.protocol,
          // Argus writes ICMP's type and id where ports go; the address is what both key by.
          a: f.a.includes('.') ? address(f.a) : f.a.replace(/:[^:]*$/, ''),
          b: f.b.includes('.') ? address(f.b) : f.b.replace(/:[^:]*$/, ''),
          ab: [f.forward.packets, f.forward.bytes],
          ba: [f.reverse.packets, f.reverse.bytes],
        })),
    ),
  );
}

/** tshark's conversation tables: frames per direction exactly, bytes as tshark prints frame bytes. */
function expectTsharkAgreement(file: string, flows: StoredFlow[], linkHeader: number) {
  const row = (a: string, aSide: string, b: string, bSide: string) =>
    `${pair(a, b)}: ${[`${a} ${aSide}`, `${b} ${bSide}`].sort().join(' | ')}`;
  for (const table of ['tcp', 'udp'] as const) {
    const ours = flows
      .filter((f) => f.transport === table)
      .map((f) =>
        row(
          f.source,
          `${f.packets} ${tsharkSize(f.bytes + linkHeader * f.packets)}`,
          f.destination,
          `${f.reversePackets} ${tsharkSize(f.reverseBytes + linkHeader * f.reversePackets)}`,
        ),
      );
    const theirs = tsharkConversations(file, table).map((c) =>
      row(c.a, `${c.fromA.frames} ${c.fromA.bytes}`, c.b, `${c.fromB.frames} ${c.fromB.bytes}`),
    );
    expect(ours.sort(), `${file}: tshark conv,${table}`).toEqual(theirs.sort());
  }
}

const missing = firstMissing(
  fixturesMissing(),
  toolsMissing('argus', 'racluster', 'softflowd', 'nfcapd', 'nfdump', 'tshark'),
);

describeNeeding(missing)('flowtrail ingest pcap agrees with Argus, softflowd and tshark', () => {
  let es: TestClient;
  const root = mkdtempSync(join(tmpdir(), 'flowtrail-pcap-conformance-'));

  beforeAll(async () => {
    es = testClient();
    expect((await runCli(['setup', '--es', inject('esUrl')])).code).toBe(0);
  });
  afterAll(() => es.close());

  /** `flowtrail ingest pcap` of the files into a namespace of their own; the summary and the stored flows. */
  async function ingest(files: string[], observer: string, extra: string[] = []) {
    const namespace = `pcap${observer}${Date.now().toString(36)}`.toLowerCase().replace(/[^a-z0-9]/g, '');
    const dataDir = mkdtempSync(join(root, 'run-'));
    const config = join(dataDir, 'flowtrail.yml');
    writeFileSync(
      config,
      `elasticsearch: { url: "${inject('esUrl')}", namespace: ${namespace} }\nlocal_networks: [10.77.0.0/24]\n`,
    );
    const result = await runCli(
      [
        'ingest',
        'pcap',
        ...files,
        '--config',
        config,
        '--data-dir',
        dataDir,
        '--json',
        '--observer',
        observer,
        ...extra,
      ],
      {},
      300_000,
    );
    const summary = JSON.parse(result.stdout || '{}');
    const index = searchPattern('flowtrail.flows', namespace);
    await es.indices.refresh({ index, ignore_unavailable: true });
    const { body } = await es.search({ index, size: 10_000, ignore_unavailable: true });
    const docs: Array<Record<string, any>> = body.hits.hits.map(
      (h: { _source: Record<string, any> }) => h._source,
    );
    return {
      result,
      summary,
      docs,
      ids: body.hits.hits.map((h: { _id: string }) => h._id).sort() as string[],
    };
  }

  it('the lab capture: every flow agrees with softflowd, Argus and tshark', async () => {
    const { result, summary, docs } = await ingest([lab], 'lab');
    expect(result.code, result.stderr).toBe(0);
    // 4243 frames: 4241 IP packets (the other two are ARP) in 1832 flows.
    expect(summary).toMatchObject({ kind: 'pcap', files: 1, read: 1832, written: 1832, failed: 0 });
    expect(docs).toHaveLength(1832);
    expect(docs[0]).toMatchObject({ observer: { type: 'tap', name: 'lab' }, event: { module: 'pcap' } });
    const flows = docs.map(stored);
    expect(flows.reduce((n, f) => n + f.packets + f.reversePackets, 0)).toBe(4241);
    expectAgreement(lab, flows, await softflowdFlows(lab, await freeUdpPort()));
    expectTsharkAgreement(lab, flows, ETHERNET_HEADER);

    // The lab's events in conn_state terms: the heavy iperf3 upload closed normally, the scans' probes
    // unanswered (S0) or refused (REJ), the SSH attempt refused.
    const iperf = flows.find((f) => f.destination === '198.51.100.20:5201' && f.bytes > 20_000_000);
    expect(iperf).toMatchObject({ state: 'SF', source: '10.77.0.5:40273' });
    const states = new Map<string, number>();
    for (const f of flows) states.set(f.state, (states.get(f.state) ?? 0) + 1);
    expect(Object.fromEntries(states)).toEqual({ S0: 755, REJ: 1015, SF: 50, RSTO: 1, OTH: 11 });
    expect(
      flows.find((f) => f.source.startsWith('198.51.100.30:') && f.destination === '10.77.0.1:22'),
    ).toMatchObject({ state: 'REJ', history: 'Sr' });
  });

  it('the same capture ingested again writes the same documents (ids)', async () => {
    const first = await ingest([lab], 'again');
    const second = await ingest([lab], 'again');
    expect(first.ids).toHaveLength(1832);
    expect(second.ids).toEqual(first.ids);
  });

  it.each([
    ['the Community ID spec’s pcaps', spec],
    ['Zeek’s community-id pcaps', zeekRuns],
    ['Zeek’s traces', traces],
  ])(
    '%s: every flow agrees with softflowd, Argus and tshark',
    async (_name, files) => {
      for (const file of files) {
        const { result, docs } = await ingest([file], basename(file, '.pcap'));
        expect(result.code, result.stderr).toBe(0);
        const flows = docs.map(stored);
        expectAgreement(file, flows, await softflowdFlows(file, await freeUdpPort()));
        expectTsharkAgreement(file, flows, ETHERNET_HEADER);
      }
    },
    600_000,
  );

  it('a PPP capture (link type 9): tshark’s conversations, its 2-byte PPP header counted', async () => {
    const { docs } = await ingest([pppTrace], 'ppp');
    const flows = docs.map(stored);
    expect(flows.map((f) => [f.transport, f.state]).sort()).toEqual([
      ['ipv6-icmp', 'OTH'],
      ['ipv6-icmp', 'OTH'],
      ['udp', 'SF'],
    ]);
    // The trace's PPP header is the protocol field alone (address and control compressed away, RFC 1661 §6.6).
    expectTsharkAgreement(pppTrace, flows, 2);
  });

  it.each([
    ['ftp_ipv6', 'scripts.base.protocols.ftp.ftp-ipv6.conn.log'],
    ['wikipedia', 'opt.basic.conn.log'],
    ['ppp_quic-interop-retry', 'core.ppp.conn.log'],
  ])(
    '%s: the connections of Zeek’s conn.log, with its conn_state, history, packets and IP bytes',
    async (trace, log) => {
      const baseline = join(FIXTURES, 'zeek', 'btest-baseline');
      const { docs } = await ingest([join(baseline, 'traces', `${trace}.pcap`)], `zeek${trace}`);
      const transport = (t: string) => (t === 'ipv6-icmp' ? 'icmp' : t);
      const ours = docs.map((d) =>
        [
          d.source.ip,
          d.source.port,
          d.destination.ip,
          // Zeek writes an ICMP type's counterpart as resp_p where there is one (135 -> 136); the document, as
          // NetFlow's, holds the ICMP code there.
          transport(d.network.transport) === 'icmp'
            ? ((d.network.transport === 'icmp' ? ICMP4_COUNTERPART : ICMP6_COUNTERPART).get(d.source.port) ??
              d.destination.port)
            : d.destination.port,
          transport(d.network.transport),
          d.zeek.connection.state,
          d.zeek.connection.history ?? '-',
          d.source.packets,
          d.source.bytes,
          d.destination.packets,
          d.destination.bytes,
        ].join(' '),
      );
      // id.orig_h … proto, conn_state, history, orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes.
      const zeek = readFileSync(join(baseline, log), 'utf8')
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => {
          const c = line.split('\t');
          return [c[2], c[3], c[4], c[5], c[6], c[11], c[15], c[16], c[17], c[18], c[19]].join(' ');
        });
      expect(ours.sort()).toEqual(zeek.sort());
    },
  );

  it('Community IDs are those of the Community ID spec’s baseline for its pcaps', async () => {
    const { docs } = await ingest(spec, 'cidspec');
    const baseline: Array<{ communityid: string }> = JSON.parse(
      readFileSync(join(FIXTURES, 'community-id', 'baseline', 'baseline_deflt.json'), 'utf8'),
    );
    expect(new Set(docs.map((d) => d.network.community_id))).toEqual(
      new Set(baseline.map((b) => b.communityid)),
    );
  });

  it('Community IDs are those Zeek computes for the same connections (SCTP aside)', async () => {
    // Zeek's run keyed SCTP without ports (`0/unknown`: no SCTP analyzer in that build); the spec's baseline, with
    // the ports, is the reference for SCTP (the test above).
    for (const file of zeekRuns.filter((f) => !f.endsWith('sctp.pcap'))) {
      const { docs } = await ingest([file], `cid${basename(file, '.pcap')}`);
      const zeek = readFileSync(`${file}.out`, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('[orig_h='))
        .map((l) => l.slice(l.lastIndexOf(' ') + 1))
        .sort();
      expect(docs.map((d) => d.network.community_id).sort(), file).toEqual(zeek);
    }
  }, 300_000);

  it('a .gz capture is read like the capture itself', async () => {
    const combined = join(FIXTURES, 'community-id', 'pcaps', 'combined.pcap.gz');
    const gz = await ingest([combined], 'combined');
    const parts = await ingest(spec, 'combined');
    expect(gz.result.code, gz.result.stderr).toBe(0);
    expect(gz.ids).toEqual(parts.ids);
  });

  it('a truncated capture ingests what it can and says so; a file that is no capture is refused', async () => {
    const cut = join(root, 'cut.pcap');
    const whole = readFileSync(lab);
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const notCapture = join(root, 'notes.pcap');
    writeFileSync(notCapture, 'these are notes, not packets\n');
    const { result, summary, docs } = await ingest([cut, notCapture], 'cut');
    // What the meter makes of the half that is there.
    const meter = createCaptureMeter();
    meter.push(readFileSync(cut));
    expect(meter.end()).toBe(false);
    const expected = meter.stats().flows;
    expect(expected).toBeGreaterThan(0);
    expect(result.code).toBe(1);
    expect(summary).toMatchObject({ failed: 2, written: expected });
    expect(docs).toHaveLength(expected);
    expect(result.stderr).toMatch(/capture cut short: its last record is incomplete/);
    expect(result.stderr).toMatch(/not a pcap or pcapng capture/);
  });
});
