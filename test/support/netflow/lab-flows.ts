import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type DecodedPayloads, decodePayloads } from '../../../plugins/netflow/offline.js';
import type { FlowFacts } from '../../../src/schema/flow.js';
import { FIXTURES } from '../fixtures.js';
import { firstMissing, namespacesMissing, toolsMissing } from '../requirements.js';
import { pcapPayloads } from './fixtures.js';
import { type FlowTuple, flowKey, keyCounts, readNfdumpCsv } from './nfdump.js';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The script that makes a lab like the fixtures' one, and the helper it runs (both hashed into the cache name). */
const MAKE_LAB = join(repoRoot, 'scripts', 'lab', 'make-lab.sh');
const LAB_SCRIPTS = [MAKE_LAB, join(repoRoot, 'scripts', 'lab', 'traffic.ts')];
/** What make-lab.sh runs besides root's `ip` (it says the same when one is missing). */
const LAB_TOOLS = ['dumpcap', 'softflowd', 'pmacctd', 'nfcapd', 'nfdump', 'nmap', 'nping', 'iperf3', 'curl'];
export const LAB_PROBES = ['softflowd-v5', 'softflowd-v9', 'softflowd-ipfix', 'pmacct-v9', 'pmacct-ipfix'];

/** A lab's capture and exports, laid out as the fixtures' lab/ (uplink.pcap, flows/<probe>.pcap and .nfdump.csv). */
export interface LabFlows {
  flows: string;
  uplink: string;
  /** The shared fixtures' lab, whose exact figures lab/README.md states; otherwise one made by make-lab.sh. */
  fromFixtures: boolean;
}

const FIXTURE_LAB = join(FIXTURES, 'lab');

/** Why make-lab.sh cannot run here, or undefined when it can. */
export function labScriptMissing(): string | undefined {
  return firstMissing(namespacesMissing(), toolsMissing(...LAB_TOOLS));
}

type Source = { dir: string; fromFixtures: boolean; generate: boolean } | { missing: string };

/** FLOWTRAIL_LAB (a lab made earlier), else the shared fixtures' lab, else one to make with make-lab.sh. */
function source(): Source {
  const given = process.env.FLOWTRAIL_LAB;
  if (given)
    return existsSync(join(given, 'flows'))
      ? { dir: given, fromFixtures: false, generate: false }
      : { missing: `FLOWTRAIL_LAB=${given} holds no flows/ (make one with npm run lab:make -- DIR)` };
  if (existsSync(join(FIXTURE_LAB, 'flows')))
    return { dir: FIXTURE_LAB, fromFixtures: true, generate: false };
  const missing = labScriptMissing();
  if (missing !== undefined)
    return {
      missing: `needs the shared fixtures' lab at ${FIXTURE_LAB} (or FLOWTRAIL_LAB=<a lab npm run lab:make made>); making one here ${missing}`,
    };
  // Named by the scripts' content: a changed script makes a new lab, an unchanged one is made once and reused.
  const hash = createHash('sha256');
  for (const file of LAB_SCRIPTS) hash.update(readFileSync(file));
  return {
    dir: join(tmpdir(), 'flowtrail-test', `lab-${hash.digest('hex').slice(0, 12)}`),
    fromFixtures: false,
    generate: true,
  };
}

/** Why the lab `labFlows` gives is not the shared fixtures' one (whose exact figures lab/README.md states). */
export function fixtureLabMissing(): string | undefined {
  const s = source();
  if ('missing' in s) return s.missing;
  return s.fromFixtures
    ? undefined
    : `reads a lab made by make-lab.sh (${s.dir}), not the shared fixtures' one`;
}

/** Why no lab can be had, or undefined (a lab may still have to be made: `labFlows` does that). */
export function labMissing(): string | undefined {
  const s = source();
  return 'missing' in s ? s.missing : undefined;
}

/** Runs make-lab.sh into `out`; resolves with how long it took (ms). */
export async function makeLab(out: string): Promise<number> {
  const started = performance.now();
  await run('bash', [MAKE_LAB, out], { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
  return performance.now() - started;
}

let pending: Promise<LabFlows> | undefined;

/** The lab the NetFlow conformance tests read; making one (under a minute) when only the tools are at hand. */
export function labFlows(): Promise<LabFlows> {
  pending ??= (async () => {
    const s = source();
    if ('missing' in s) throw new Error(s.missing);
    if (s.generate && !existsSync(join(s.dir, 'flows'))) {
      await mkdir(dirname(s.dir), { recursive: true });
      const scratch = await mkdtemp(`${s.dir}.making-`);
      try {
        await makeLab(scratch);
        // A concurrent run may have finished first; its lab is as good as ours.
        if (!existsSync(s.dir)) renameSync(scratch, s.dir);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }
    return {
      flows: join(s.dir, 'flows'),
      uplink: join(s.dir, 'uplink.pcap'),
      fromFixtures: s.fromFixtures,
    };
  })();
  return pending;
}

/** First and last packet times of a classic pcap (epoch ms), read from its record headers. */
export function captureWindow(file: string): { first: number; last: number; packets: number } {
  const data = readFileSync(file);
  const magic = data.readUInt32LE(0);
  const littleEndian = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nanos = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (o: number) => (littleEndian ? data.readUInt32LE(o) : data.readUInt32BE(o));
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let packets = 0;
  for (let offset = 24; offset + 16 <= data.length; offset += 16 + u32(offset + 8)) {
    const time = u32(offset) * 1000 + u32(offset + 4) / (nanos ? 1e6 : 1e3);
    first = Math.min(first, time);
    last = Math.max(last, time);
    packets++;
  }
  return { first, last, packets };
}

/**
 * IPv4 bytes (total length, as exporters count them) of the TCP packets in an Ethernet capture going from one
 * address to another address's port.
 */
export function capturedTcpBytes(file: string, from: string, to: string, port: number): number {
  const data = readFileSync(file);
  const littleEndian = data.readUInt32LE(0) === 0xa1b2c3d4 || data.readUInt32LE(0) === 0xa1b23c4d;
  const u32 = (o: number) => (littleEndian ? data.readUInt32LE(o) : data.readUInt32BE(o));
  const address = (o: number) => `${data[o]}.${data[o + 1]}.${data[o + 2]}.${data[o + 3]}`;
  let bytes = 0;
  for (let offset = 24; offset + 16 <= data.length; offset += 16 + u32(offset + 8)) {
    const frame = offset + 16;
    if (data.readUInt16BE(frame + 12) !== 0x0800) continue;
    const ip = frame + 14;
    if (data[ip + 9] !== 6 || address(ip + 12) !== from || address(ip + 16) !== to) continue;
    if (data.readUInt16BE(ip + (data[ip] & 0x0f) * 4 + 2) === port) bytes += data.readUInt16BE(ip + 2);
  }
  return bytes;
}

/** Our flow in the terms nfdump's CSV uses. */
export function flowTuple(f: FlowFacts): FlowTuple {
  return {
    sourceIp: f.sourceIp,
    destinationIp: f.destinationIp,
    sourcePort: f.sourcePort ?? 0,
    destinationPort: f.destinationPort ?? 0,
    protocol: f.protocol,
    tcpFlags: f.tcpFlags ?? 0,
    packets: f.packets ?? 0,
    bytes: f.bytes ?? 0,
  };
}

/** A probe's export as our decoder reads it, and both readings (ours, nfdump's) as comparable multisets. */
export function decodeAgainstNfdump(
  flowsDir: string,
  probe: string,
): {
  result: DecodedPayloads;
  ours: Map<string, number>;
  nfdump: Map<string, number>;
  nfdumpRecords: number;
} {
  // nfdump does not read the ICMP type/code elements pmacct's v9 export uses (see flowKey).
  const compareIcmpCodes = probe !== 'pmacct-v9';
  const result = decodePayloads(pcapPayloads(join(flowsDir, `${probe}.pcap`)));
  const expected = readNfdumpCsv(join(flowsDir, `${probe}.nfdump.csv`));
  return {
    result,
    ours: keyCounts(result.flows.map((f) => flowKey(flowTuple(f), compareIcmpCodes))),
    nfdump: keyCounts(expected.map((f) => flowKey(f, compareIcmpCodes))),
    nfdumpRecords: expected.length,
  };
}
