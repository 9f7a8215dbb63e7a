/**
 * Receiving worker of the UDP NetFlow source (see `source.ts`): reads the socket, packs datagrams into batches and
 * appends them to the journal (or, without one, posts them to the owning thread). It does nothing else, so that
 * neither the pipeline's work nor its garbage collection on the owning thread delays reading the socket: a pause
 * longer than the receive buffer lasts at line rate (a few milliseconds) loses datagrams.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import ipaddr from 'ipaddr.js';
import { DatagramBatchWriter } from './datagram-batch.js';
import { DropCounts } from './drop-counts.js';
import { JournalWriter } from './journal.js';
import type { FromReceiver, ReceiveInit, ReceiveStats, ToReceiver } from './worker-protocol.js';

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * A partial batch is flushed after this long: batching amortises the cost of a write over many datagrams under
 * load, while a lone datagram still waits at most about a millisecond.
 */
const BATCH_DELAY_MS = 1;
/** Counters are pushed at most this often while datagrams come, and once more after the last. */
const STATS_INTERVAL_MS = 100;

const port = parentPort;
if (!port) throw new Error('netflow receive worker: not started as a worker thread');
const init = workerData as ReceiveInit;
const post = (message: FromReceiver, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

const cidrs: Cidr[] = init.allowedExporters.map((cidr) => ipaddr.parseCIDR(cidr));
const notAllowed = new DropCounts();
/** Datagrams the journal refused or lost. */
const overflow = new DropCounts();
const counts = { received: 0, journaledPackets: 0 };

function exporterAddress(address: string): string {
  // Dual-stack sockets report IPv4 exporters as ::ffff:a.b.c.d; templates and allowlists use the IPv4 form.
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function allowed(address: string): boolean {
  if (cidrs.length === 0) return true;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return false;
  }
  return cidrs.some((cidr) => parsed.kind() === cidr[0].kind() && parsed.match(cidr));
}

function stats(): ReceiveStats {
  return {
    received: counts.received,
    notAllowed: notAllowed.total,
    notAllowedByExporter: notAllowed.bySenderObject(),
    overflow: overflow.total,
    overflowByExporter: overflow.bySenderObject(),
    journaledPackets: counts.journaledPackets,
  };
}

let statsPushedAt = 0;
let statsTimer: NodeJS.Timeout | undefined;
function statsChanged(): void {
  const now = Date.now();
  if (now - statsPushedAt >= STATS_INTERVAL_MS) {
    statsPushedAt = now;
    post({ type: 'stats', stats: stats() });
  } else {
    statsTimer ??= setTimeout(() => {
      statsTimer = undefined;
      statsPushedAt = Date.now();
      post({ type: 'stats', stats: stats() });
    }, STATS_INTERVAL_MS);
  }
}

const journal = init.journal
  ? new JournalWriter(init.journal.dir, {
      maxBytes: init.journal.maxBytes,
      maxPendingBytes: init.journal.maxPendingBytes,
      nextSeq: init.journal.nextSeq,
      heldBytes: init.journal.heldBytes,
      onWritten: (seq, length) => post({ type: 'appended', seq, length }),
      onLost: (buffer, err) => {
        overflow.addBatch(buffer);
        post({ type: 'journal-error', message: err.message });
      },
    })
  : undefined;

const batch = new DatagramBatchWriter();
let flushTimer: NodeJS.Timeout | undefined;
function flush(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = undefined;
  if (batch.packets === 0) return;
  const { buffer, packets } = batch.take();
  if (!journal) post({ type: 'batch', buffer, packets }, [buffer]);
  else if (journal.append(buffer, packets)) counts.journaledPackets += packets;
  else overflow.addBatch(buffer);
  statsChanged();
}

const socket = dgram.createSocket({
  type: isIPv6(init.host) ? 'udp6' : 'udp4',
  ...(init.recvBufferSize ? { recvBufferSize: init.recvBufferSize } : {}),
});
socket.on('message', (data, rinfo) => {
  const address = exporterAddress(rinfo.address);
  if (!allowed(address)) {
    notAllowed.add(`${address}:${rinfo.port}`);
    statsChanged();
    return;
  }
  counts.received++;
  if (!batch.fits(data.length, address)) flush();
  batch.append(data, address, rinfo.port, Date.now());
  if (batch.packets >= init.batchSize) flush();
  else flushTimer ??= setTimeout(flush, BATCH_DELAY_MS);
});
socket.once('error', (err: NodeJS.ErrnoException) => {
  post({ type: 'bind-failed', message: err.message, code: err.code });
});
socket.bind({ address: init.host, port: init.port }, () => {
  socket.removeAllListeners('error');
  socket.on('error', (err) => post({ type: 'socket-error', message: err.message }));
  post({ type: 'listening', address: socket.address(), granted: socket.getRecvBufferSize() });
});

port.on('message', async (message: ToReceiver) => {
  if (message.type === 'freed') {
    journal?.freed(message.bytes);
    return;
  }
  await new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      // Never bound (`bind-failed` was posted): nothing to close.
      resolve();
    }
  });
  flush();
  await journal?.close();
  if (statsTimer) clearTimeout(statsTimer);
  post({ type: 'closed', stats: stats() });
});
