import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { PipelineRecord, Source, SourceContext } from '../../src/pipeline/types.js';
import { toFlowRecord } from '../../src/schema/flow.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import type { DecoderSnapshot } from './decode/decoder.js';
import { NetflowDecoder } from './decode/decoder.js';
import type { ExporterStats } from './decode/types.js';
import { produce } from './producer.js';

export { decodePayloads } from './offline.js';

export interface NetflowSourceOptions {
  /** Listen address; an IPv6 address (e.g. `::`) opens an IPv6 (dual-stack) socket. Default 0.0.0.0. */
  host?: string;
  /** Default 2055; 0 picks a free port (see `onListening`). */
  port?: number;
  /** SO_RCVBUF: bursts from many exporters are absorbed here while the event loop is busy. */
  recvBufferSize?: number;
  /** CIDRs of exporters to accept; empty accepts all. Others are dropped and counted. */
  allowedExporters?: string[];
  /** Template time to live. Default 30 min. */
  templateTimeoutMs?: number;
  /** Sampling rate by exporter IP, overriding what the exporter announces. */
  samplingOverrides?: Record<string, number>;
  maxTemplatesPerExporter?: number;
  maxPendingPerExporter?: number;
  /** Datagrams decoded per turn of the event loop. Default 64. */
  batchSize?: number;
  /** Datagrams waiting for decoding beyond which new ones are dropped (and counted). Default 20 000. */
  maxQueuedPackets?: number;
  /** Templates and sampling state learnt in an earlier run (see `NetflowSource.snapshot`). */
  snapshot?: DecoderSnapshot;
  onListening?: (address: AddressInfo) => void;
}

export interface NetflowSourceStats {
  exporters: Record<string, ExporterStats>;
  /** Datagrams from exporters outside `allowedExporters`. */
  notAllowed: number;
  /** Datagrams dropped because the decode queue was full. */
  queueOverflow: number;
  /** Datagrams refused because too many exporters are tracked. */
  exporterLimit: number;
}

export interface NetflowSource extends Source {
  stats(): NetflowSourceStats;
  /** Template cache and sampling state, JSON-serialisable, to persist across restarts. */
  snapshot(): DecoderSnapshot;
}

interface Datagram {
  data: Buffer;
  address: string;
  port: number;
  receivedAt: number;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

function exporterAddress(address: string): string {
  // Dual-stack sockets report IPv4 exporters as ::ffff:a.b.c.d; templates and allowlists use the IPv4 form.
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function allowed(cidrs: Cidr[], address: string): boolean {
  if (cidrs.length === 0) return true;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return false;
  }
  return cidrs.some((cidr) => parsed.kind() === cidr[0].kind() && parsed.match(cidr));
}

/**
 * UDP NetFlow/IPFIX collector. Receiving only queues datagrams; decoding runs in batches on later turns of the
 * event loop (setImmediate), so a burst is read off the socket before any of it is decoded and the socket
 * buffer does not overflow while one batch is mapped and handed to the pipeline.
 */
export function createNetflowSource(
  options: NetflowSourceOptions,
  deps: { localNetworks: LocalNetworks },
): NetflowSource {
  const decoder = new NetflowDecoder({
    templateTtlMs: options.templateTimeoutMs,
    samplingRateOverrides: options.samplingOverrides,
    maxTemplatesPerExporter: options.maxTemplatesPerExporter,
    maxPendingPerExporter: options.maxPendingPerExporter,
  });
  if (options.snapshot) decoder.restore(options.snapshot);
  const cidrs: Cidr[] = (options.allowedExporters ?? []).map((cidr) => ipaddr.parseCIDR(cidr));
  const batchSize = options.batchSize ?? 64;
  const maxQueued = options.maxQueuedPackets ?? 20_000;
  const counts = { notAllowed: 0, queueOverflow: 0 };

  async function run(ctx: SourceContext): Promise<void> {
    if (ctx.signal.aborted) return;
    const host = options.host ?? '0.0.0.0';
    const socket = dgram.createSocket({
      type: isIPv6(host) ? 'udp6' : 'udp4',
      ...(options.recvBufferSize ? { recvBufferSize: options.recvBufferSize } : {}),
    });
    const queue: Datagram[] = [];
    let scheduled = false;

    const drain = () => {
      scheduled = false;
      const batch = queue.splice(0, batchSize);
      const out: PipelineRecord[] = [];
      const now = Date.now();
      for (const datagram of batch) {
        const { records, error } = decoder.decode(
          datagram.data,
          datagram.address,
          datagram.port,
          datagram.receivedAt,
        );
        if (error) {
          ctx.counters.recordsFailed(1);
          ctx.deadLetter({
            plugin: 'netflow',
            reason: `netflow: ${error}`,
            origin: `${datagram.address}:${datagram.port}`,
            raw: datagram.data.toString('base64'),
          });
        }
        for (const facts of produce(records).flows) {
          out.push(toFlowRecord(facts, { localNetworks: deps.localNetworks, now }));
        }
      }
      if (out.length > 0) {
        ctx.counters.recordsIn(out.length);
        // UDP cannot slow the exporter down: the pipeline counts what it has to drop.
        ctx.emit(out).catch((err: unknown) => ctx.logger.error({ err }, 'netflow: emit failed'));
      }
      if (queue.length > 0) schedule();
    };
    const schedule = () => {
      if (!scheduled) {
        scheduled = true;
        setImmediate(drain);
      }
    };

    socket.on('message', (data, rinfo) => {
      const address = exporterAddress(rinfo.address);
      if (!allowed(cidrs, address)) {
        counts.notAllowed++;
        return;
      }
      if (queue.length >= maxQueued) {
        counts.queueOverflow++;
        return;
      }
      queue.push({ data, address, port: rinfo.port, receivedAt: Date.now() });
      schedule();
    });

    const expiry = setInterval(() => decoder.expire(), 60_000);
    expiry.unref();
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ address: host, port: options.port ?? 2055 }, () => {
          socket.off('error', reject);
          socket.on('error', (err) => ctx.logger.warn({ err }, 'netflow: socket error'));
          options.onListening?.(socket.address());
          ctx.logger.info({ address: socket.address() }, 'netflow: listening');
          resolve();
        });
      });
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      clearInterval(expiry);
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      while (queue.length > 0) drain();
    }
  }

  return {
    name: 'netflow',
    run,
    stats: () => ({
      exporters: decoder.stats(),
      notAllowed: counts.notAllowed,
      queueOverflow: counts.queueOverflow,
      exporterLimit: decoder.rejectedExporterPackets,
    }),
    snapshot: () => decoder.snapshot(),
  };
}
