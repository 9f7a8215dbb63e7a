/**
 * What the reference meters make of a capture file: Argus (`argus -r` then `ra`), softflowd (`softflowd -r`
 * exporting NetFlow v9 to nfcapd, read back with nfdump) and tshark's conversation tables. Each is parsed into
 * plain rows so a test can compare flowtrail's flows with them field by field.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv, tool } from './tools.js';

export interface DirectedCount {
  packets: number;
  bytes: number;
}

/** One bidirectional flow: `a` sent `forward`, `b` sent `reverse`. */
export interface BiFlow {
  protocol: string;
  a: string;
  b: string;
  forward: DirectedCount;
  reverse: DirectedCount;
}

/** One unidirectional flow (NetFlow). */
export interface UniFlow {
  protocol: string;
  from: string;
  to: string;
  packets: number;
  bytes: number;
}

export function endpoint(ip: string, port: number | string | undefined): string {
  return port === undefined || port === '' ? ip : `${ip}:${port}`;
}

/**
 * Argus's flows of a capture: `argus -r` writes a status record per flow every few seconds, `racluster` merges a
 * flow's records into one (by its 5-tuple). Management records are left out; bytes as Argus counts them.
 */
export function argusFlows(pcap: string): BiFlow[] {
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-argus-'));
  const archive = join(dir, 'flows.argus');
  tool('argus', ['-r', pcap, '-w', archive]);
  const text = tool('racluster', [
    '-r',
    archive,
    '-n',
    '-c',
    ',',
    '-s',
    'proto',
    'saddr',
    'sport',
    'daddr',
    'dport',
    'spkts',
    'dpkts',
    'sbytes',
    'dbytes',
  ]);
  return parseCsv(text)
    .filter((r) => r.Proto !== 'man')
    .map((r) => ({
      protocol: r.Proto,
      a: endpoint(r.SrcAddr, r.Sport),
      b: endpoint(r.DstAddr, r.Dport),
      forward: { packets: Number(r.SrcPkts), bytes: Number(r.SrcBytes) },
      reverse: { packets: Number(r.DstPkts), bytes: Number(r.DstBytes) },
    }));
}

/**
 * softflowd reading `pcap` and exporting NetFlow v9 (IPv6 too) to 127.0.0.1:`port`, in the foreground. softflowd
 * 1.1.0 reading a file blocks in accept() on its control socket when that socket's path is longer than about a
 * dozen characters (seen with 14 and more): `controlSocket` must be short, e.g. `/tmp/sf<port>`.
 */
export function softflowdReadArgs(
  pcap: string,
  port: number,
  controlSocket: string,
  pidFile: string,
): string[] {
  return ['-r', pcap, '-n', `127.0.0.1:${port}`, '-v', '9', '-6', '-d', '-c', controlSocket, '-p', pidFile];
}

function started(child: ChildProcess, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    const poll = setInterval(() => {
      if (/Startup/.test(output())) {
        clearInterval(poll);
        resolve();
      }
    }, 50);
  });
}

/** One run of softflowd into a fresh nfcapd; the flows nfdump reads back, and whether nfcapd saw datagrams go missing. */
async function softflowdRun(
  pcap: string,
  port: number,
  timeouts: string[],
): Promise<{ flows: UniFlow[]; lost: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-softflowd-'));
  // A large socket buffer: softflowd reading a file sends its whole export at once.
  const collector = spawn(
    'nfcapd',
    ['-b', '127.0.0.1', '-p', String(port), '-B', String(8 << 20), '-w', dir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  collector.stdout?.on('data', (d) => (log += d));
  collector.stderr?.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => collector.once('exit', resolve));
  try {
    await started(collector, () => log);
    tool('softflowd', [
      ...softflowdReadArgs(pcap, port, `/tmp/sf${port}`, join(dir, 'softflowd.pid')),
      ...timeouts.flatMap((t) => ['-t', t]),
    ]);
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    collector.kill('SIGTERM');
    await exited;
  }
  // nfdump ends its CSV with a summary (other columns): only rows with a flow's start time are flows.
  const rows = parseCsv(tool('nfdump', ['-R', dir, '-o', 'csv'])).filter((r) => /^\d{4}-/.test(r.ts ?? ''));
  const flows = rows.map((r) => ({
    protocol: r.pr.toLowerCase(),
    from: endpoint(r.sa, r.sp),
    to: endpoint(r.da, r.dp),
    packets: Number(r.ipkt),
    bytes: Number(r.ibyt),
  }));
  const errors = /Sequence Errors: (\d+)/.exec(log);
  return { flows, lost: errors === null || Number(errors[1]) > 0 };
}

/**
 * softflowd's flows of a capture: `softflowd -r` (IPv6 tracked too) exports NetFlow v9 to an nfcapd on `port`,
 * whose files nfdump reads. Bytes are IP bytes, as NetFlow counts them. A run in which nfcapd counted sequence
 * errors (export datagrams lost on loopback under load) is repeated, up to three times.
 */
export async function softflowdFlows(
  pcap: string,
  port: number,
  timeouts: string[] = [],
): Promise<UniFlow[]> {
  for (let attempt = 1; ; attempt++) {
    const { flows, lost } = await softflowdRun(pcap, port, timeouts);
    if (!lost) return flows;
    if (attempt === 3)
      throw new Error(`${pcap}: nfcapd lost softflowd's export datagrams in ${attempt} runs`);
  }
}

/** One row of tshark's conversation table: `<-` is what b sent a, `->` what a sent b; bytes as tshark prints them. */
export interface Conversation {
  a: string;
  b: string;
  fromB: { frames: number; bytes: string };
  fromA: { frames: number; bytes: string };
  frames: number;
}

/** tshark's conversation table (`-z conv,tcp` or `conv,udp`). */
export function tsharkConversations(pcap: string, table: 'tcp' | 'udp'): Conversation[] {
  const text = tool('tshark', ['-r', pcap, '-q', '-z', `conv,${table}`]);
  const size = '(\\d+ (?:bytes|kB|MB|GB))';
  const row = new RegExp(`^(\\S+)\\s+<->\\s+(\\S+)\\s+(\\d+) ${size}\\s+(\\d+) ${size}\\s+(\\d+) ${size}`);
  return text
    .split('\n')
    .map((line) => row.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({
      a: m[1],
      b: m[2],
      fromB: { frames: Number(m[3]), bytes: m[4] },
      fromA: { frames: Number(m[5]), bytes: m[6] },
      frames: Number(m[7]),
    }));
}

/**
 * A byte count as tshark's conversation table prints it (Wireshark's SI size format): exact below 10,000, then
 * whole kB, MB or GB, cut, not rounded.
 */
export function tsharkSize(bytes: number): string {
  if (bytes < 10_000) return `${bytes} bytes`;
  if (bytes < 10_000_000) return `${Math.floor(bytes / 1000)} kB`;
  if (bytes < 10_000_000_000) return `${Math.floor(bytes / 1_000_000)} MB`;
  return `${Math.floor(bytes / 1_000_000_000)} GB`;
}

const pair = (a: string, b: string) => [a, b].sort().join(' <-> ');

/**
 * tshark's conversation table as rows to compare: `a <-> b: a frames bytes | b frames bytes`, endpoints in sorted
 * order (tshark's own order is by first frame).
 */
export function tsharkConversationRows(pcap: string, table: 'tcp' | 'udp'): string[] {
  return tsharkConversations(pcap, table)
    .map(
      (c) =>
        `${pair(c.a, c.b)}: ${[
          `${c.a} ${c.fromA.frames} ${c.fromA.bytes}`,
          `${c.b} ${c.fromB.frames} ${c.fromB.bytes}`,
        ]
          .sort()
          .join(' | ')}`,
    )
    .sort();
}

/** The members of a flow document the conversation rows read. */
export interface FlowSides {
  network: { transport?: string };
  source: { ip: string; port?: number; packets?: number; bytes?: number };
  destination: { ip: string; port?: number; packets?: number; bytes?: number };
}

/**
 * Flow documents of one transport as tshark's conversation rows read (tsharkConversationRows): a conversation's
 * flows summed (an idle timeout splits one into several), bytes as frame bytes: IP bytes plus `frameHeader` per
 * packet (14 on Ethernet), in tshark's size format.
 */
export function flowConversationRows(docs: FlowSides[], transport: string, frameHeader: number): string[] {
  const conversations = new Map<string, Map<string, [number, number]>>();
  for (const d of docs) {
    if (d.network.transport !== transport) continue;
    const source = endpoint(d.source.ip, d.source.port);
    const destination = endpoint(d.destination.ip, d.destination.port);
    const key = pair(source, destination);
    const sides = conversations.get(key) ?? new Map<string, [number, number]>();
    for (const [end, packets, bytes] of [
      [source, d.source.packets ?? 0, d.source.bytes ?? 0],
      [destination, d.destination.packets ?? 0, d.destination.bytes ?? 0],
    ] as const) {
      const sum = sides.get(end) ?? [0, 0];
      sides.set(end, [sum[0] + packets, sum[1] + bytes]);
    }
    conversations.set(key, sides);
  }
  return [...conversations]
    .map(
      ([key, sides]) =>
        `${key}: ${[...sides]
          .map(([end, [packets, bytes]]) => `${end} ${packets} ${tsharkSize(bytes + frameHeader * packets)}`)
          .sort()
          .join(' | ')}`,
    )
    .sort();
}
