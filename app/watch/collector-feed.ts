/**
 * `watch --from URL`: the flow documents a running collector (`flowtrail up`) writes, read from its API's
 * `/api/flows/stream` (server-sent events), turned into the samples the flow table counts. Every document is a
 * finished record (NetFlow's, a tap's, a Zeek conn record): the table adds it whole. Reconnects while the
 * collector is away, and keeps at most a bounded backlog between two ticks.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TAP_PACKET_SIZE_BINS } from '../../src/schema/fields.js';
import { protocolNumber } from '../../src/schema/protocols.js';
import type { FeedUpdate, FlowSample } from './flow-table.js';
import type { WatchFeed } from './run.js';

/** Samples held between two polls at most; beyond, the oldest are dropped and counted. */
const BACKLOG = 50_000;
const RECONNECT_MS = 2000;

interface Endpoint {
  ip?: string;
  port?: number;
  bytes?: number;
  packets?: number;
  mac?: string;
}

/** The members of a flow document `watch` reads (src/schema/flow.ts writes them). */
export interface FlowDocument {
  '@timestamp'?: string;
  event?: { start?: string; end?: string };
  source?: Endpoint;
  destination?: Endpoint;
  network?: { iana_number?: string; transport?: string; vlan?: { id?: string } };
  observer?: { name?: string };
  flowtrail?: { observer?: string; tcp_flags?: string[] };
  zeek?: { connection?: { state?: string; history?: string } };
  pcap?: { packet_sizes?: Record<string, number> };
}

/** `flowtrail.tcp_flags`'s names, in the order of their bits (src/schema/protocols.ts). */
const FLAG_BITS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'NS'];

function flagBits(names: readonly string[] | undefined): number {
  let bits = 0;
  for (const name of names ?? []) {
    const at = FLAG_BITS.indexOf(name);
    if (at >= 0) bits |= 1 << at;
  }
  return bits;
}

function time(text: string | undefined): number | undefined {
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The document as a finished sample; undefined when it has no addresses or protocol (not a flow). */
export function sampleOfDocument(doc: FlowDocument): FlowSample | undefined {
  const { source, destination, network } = doc;
  const protocol =
    network?.iana_number !== undefined
      ? Number(network.iana_number)
      : protocolNumber(network?.transport ?? '');
  const start = time(doc.event?.start) ?? time(doc['@timestamp']);
  if (
    source?.ip === undefined ||
    destination?.ip === undefined ||
    protocol === undefined ||
    start === undefined
  )
    return undefined;
  const sizes = doc.pcap?.packet_sizes;
  const vlan = network?.vlan?.id === undefined ? undefined : Number(network.vlan.id);
  return {
    iface: doc.observer?.name ?? doc.flowtrail?.observer ?? 'collector',
    protocol,
    sourceIp: source.ip,
    destinationIp: destination.ip,
    sourcePort: source.port,
    destinationPort: destination.port,
    vlan,
    start,
    end: time(doc.event?.end) ?? start,
    packets: source.packets ?? 0,
    bytes: source.bytes ?? 0,
    reversePackets: destination.packets ?? 0,
    reverseBytes: destination.bytes ?? 0,
    // A document has the flags of both sides together.
    sourceFlags: flagBits(doc.flowtrail?.tcp_flags),
    destinationFlags: 0,
    combinedFlags: true,
    state: protocol === 6 ? doc.zeek?.connection?.state : undefined,
    history: doc.zeek?.connection?.history,
    sourceMac: source.mac,
    destinationMac: destination.mac,
    sizes: sizes === undefined ? undefined : TAP_PACKET_SIZE_BINS.map((bin) => sizes[bin] ?? 0),
    open: false,
  };
}

/** Reads server-sent events from a stream of text: `onEvent(type, data)` for each complete event. */
export class EventReader {
  private buffer = '';

  constructor(private readonly onEvent: (type: string, data: string) => void) {}

  push(text: string): void {
    this.buffer += text.replace(/\r\n?/g, '\n');
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let type = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
      if (data.length > 0) this.onEvent(type, data.join('\n'));
    }
  }
}

export interface CollectorFeedOptions {
  /** The collector's API, e.g. http://127.0.0.1:8080. */
  url: string;
  token: string | undefined;
}

/** Follows the collector's flow stream until closed. */
export class CollectorFeed implements WatchFeed {
  private backlog: FlowSample[] = [];
  private state = 'connecting';
  private received = 0;
  private leftOut = 0;
  private readonly stopped = new AbortController();
  private readonly running: Promise<void>;

  constructor(private readonly options: CollectorFeedOptions) {
    this.running = this.follow();
  }

  get source(): string {
    return this.options.url;
  }

  status(): string {
    const missed = this.leftOut > 0 ? `, ${this.leftOut} left out` : '';
    return `${this.state} (${this.received} flows${missed})`;
  }

  poll(): FeedUpdate {
    const samples = this.backlog;
    this.backlog = [];
    return { time: Date.now(), samples };
  }

  async close(): Promise<void> {
    this.stopped.abort();
    await this.running;
  }

  private add(data: string): void {
    const event = JSON.parse(data) as { left_out?: number; flows?: FlowDocument[] };
    this.leftOut += event.left_out ?? 0;
    for (const doc of event.flows ?? []) {
      const sample = sampleOfDocument(doc);
      if (sample === undefined) continue;
      this.received++;
      this.backlog.push(sample);
    }
    if (this.backlog.length > BACKLOG) {
      this.leftOut += this.backlog.length - BACKLOG;
      this.backlog = this.backlog.slice(-BACKLOG);
    }
  }

  private async follow(): Promise<void> {
    const url = new URL('/api/flows/stream', this.options.url);
    const signal = this.stopped.signal;
    while (!signal.aborted) {
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
        const response = await fetch(url, { headers, signal });
        if (!response.ok || response.body === null) {
          const body = (await response.json().catch(() => ({}))) as { error?: string };
          this.state = `HTTP ${response.status}${body.error === undefined ? '' : `: ${body.error}`}`;
        } else {
          this.state = 'connected';
          const reader = new EventReader((type, data) => {
            if (type === 'flows') this.add(data);
          });
          const decoder = new TextDecoder();
          for await (const chunk of response.body) reader.push(decoder.decode(chunk, { stream: true }));
          this.state = 'the collector ended the stream; reconnecting';
        }
      } catch (err) {
        if (signal.aborted) return;
        this.state = `unreachable: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`;
      }
      await sleep(RECONNECT_MS, undefined, { signal }).catch(() => undefined);
    }
  }
}
