/**
 * Receiving worker of the UDP NetFlow source (see `source.ts`): reads the socket, packs datagrams into batches and
 * appends them to the journal (or, without one, posts them to the owning thread). It does nothing else, so that
 * neither the pipeline's work nor its garbage collection on the owning thread delays reading the socket: a pause
 * longer than the receive buffer lasts at line rate (a few milliseconds) loses datagrams. Where the native receiver
 * is built, its own thread reads the socket and this one only takes its batches; Node's dgram, one callback per
 * datagram, is the fallback.
 */
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP, isIPv6 } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import ipaddr from 'ipaddr.js';
import { DatagramBatchWriter, filterDatagramBatch, type PackedBatch } from './datagram-batch.js';
import { DropCounts } from './drop-counts.js';
import { JournalWriter } from './journal.js';
import {
  loadNativeReceiver,
  type NativeReceiver,
  type NativeReceiverConstructor,
} from './native-receiver.js';
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

function inAllowlist(address: string): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return false;
  }
  return cidrs.some((cidr) => parsed.kind() === cidr[0].kind() && parsed.match(cidr));
}

const allowedByAddress = new Map<string, boolean>();
/** Whether the exporter may send, remembered per address: every datagram is checked, exporters are few. */
function allowed(address: string): boolean {
  if (cidrs.length === 0) return true;
  let verdict = allowedByAddress.get(address);
  if (verdict === undefined) {
    // Spoofed sources could otherwise grow the map without bound.
    if (allowedByAddress.size >= 10_000) allowedByAddress.clear();
    verdict = inAllowlist(address);
    allowedByAddress.set(address, verdict);
  }
  return verdict;
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
      onWritten: (seq, length) => {
        post({ type: 'appended', seq, length });
        onJournalWritten();
      },
      onLost: (buffer, err) => {
        overflow.addBatch(buffer);
        post({ type: 'journal-error', message: err.message });
      },
    })
  : undefined;

/** Set by a reader that stops taking datagrams while the journal's writes are behind. */
let onJournalWritten: () => void = () => {};

function deliver(batch: PackedBatch): void {
  if (batch.packets === 0) return;
  counts.received += batch.packets;
  if (!journal) post({ type: 'batch', buffer: batch.buffer, packets: batch.packets }, [batch.buffer]);
  else if (journal.append(batch.buffer, batch.packets)) counts.journaledPackets += batch.packets;
  else overflow.addBatch(batch.buffer);
  statsChanged();
}

function refused(address: string, port: number): void {
  notAllowed.add(`${address}:${port}`);
  statsChanged();
}

function bindFailed(err: NodeJS.ErrnoException): void {
  post({ type: 'bind-failed', message: err.message, code: err.code });
}

/** Linux reports twice the receive buffer set, the other half being its bookkeeping; this is the part for data. */
const dataPart = (reported: number) => (process.platform === 'linux' ? reported / 2 : reported);

interface SocketReader {
  /** Closes the socket; everything read before is delivered when it resolves. */
  close(): Promise<void>;
}

function readWithDgram(): SocketReader {
  const batch = new DatagramBatchWriter();
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    if (batch.packets > 0) deliver(batch.take());
  };
  const socket = dgram.createSocket({
    type: isIPv6(init.host) ? 'udp6' : 'udp4',
    ...(init.recvBufferSize ? { recvBufferSize: init.recvBufferSize } : {}),
  });
  socket.on('message', (data, rinfo) => {
    const address = exporterAddress(rinfo.address);
    if (!allowed(address)) {
      refused(address, rinfo.port);
      return;
    }
    if (!batch.fits(data.length, address)) flush();
    batch.append(data, address, rinfo.port, Date.now());
    if (batch.packets >= init.batchSize) flush();
    else flushTimer ??= setTimeout(flush, BATCH_DELAY_MS);
  });
  socket.once('error', bindFailed);
  socket.bind({ address: init.host, port: init.port }, () => {
    socket.removeAllListeners('error');
    socket.on('error', (err) => post({ type: 'socket-error', message: err.message }));
    post({
      type: 'listening',
      address: socket.address(),
      granted: dataPart(socket.getRecvBufferSize()),
      reader: 'dgram',
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        try {
          socket.close(() => resolve());
        } catch {
          // Never bound (`bind-failed` was posted): nothing to close.
          resolve();
        }
      }).then(flush),
  };
}

/** Bytes of datagrams the native receiver holds while this thread is busy: 25 ms of 300 MB/s of exports. */
const NATIVE_RING_BYTES = 8 * 1024 * 1024;
const NATIVE_BATCH_BYTES = 1024 * 1024;
/**
 * Journal writes queued beyond which the native reader stops taking datagrams until some are written: they then
 * wait in its ring and in the kernel's buffer, where they cost no heap, instead of being dropped as overflow.
 */
const NATIVE_MAX_PENDING_BYTES = 8 * 1024 * 1024;

async function readNatively(UdpReceiver: NativeReceiverConstructor): Promise<SocketReader | undefined> {
  let host: string;
  let family: 4 | 6;
  try {
    const found = isIP(init.host) ? { address: init.host, family: isIP(init.host) } : await lookup(init.host);
    host = found.address;
    family = found.family === 6 ? 6 : 4;
  } catch (err) {
    bindFailed(err as NodeJS.ErrnoException);
    return undefined;
  }
  let drainTimer: NodeJS.Timeout | undefined;
  let receiver: NativeReceiver;
  let waitingForJournal = false;
  const drain = () => {
    if (drainTimer) clearTimeout(drainTimer);
    drainTimer = undefined;
    waitingForJournal = false;
    for (;;) {
      if (journal && journal.pendingBytes >= NATIVE_MAX_PENDING_BYTES) {
        waitingForJournal = true;
        break;
      }
      const taken = receiver.take(NATIVE_BATCH_BYTES, init.batchSize);
      if (!taken) break;
      const batch = { buffer: taken[0], packets: taken[1] };
      deliver(cidrs.length === 0 ? batch : filterDatagramBatch(batch, allowed, refused));
    }
    const { lastError } = receiver.stats();
    if (lastError) post({ type: 'socket-error', message: lastError });
  };
  onJournalWritten = () => {
    if (waitingForJournal) drainTimer ??= setTimeout(drain, 0);
  };
  try {
    receiver = new UdpReceiver(host, family, init.port, init.recvBufferSize ?? 0, NATIVE_RING_BYTES, () => {
      drainTimer ??= setTimeout(drain, BATCH_DELAY_MS);
    });
  } catch (err) {
    bindFailed(err as NodeJS.ErrnoException);
    return undefined;
  }
  const socket = receiver.stats();
  post({
    type: 'listening',
    address: { address: host, family: family === 6 ? 'IPv6' : 'IPv4', port: socket.localPort ?? init.port },
    granted: dataPart(socket.receiveBufferBytes ?? 0),
    reader: 'native',
  });
  return {
    close: async () => {
      receiver.close();
      drain();
      while (waitingForJournal) {
        await journal?.whenWritten();
        drain();
      }
      if (drainTimer) clearTimeout(drainTimer);
    },
  };
}

async function startReading(): Promise<SocketReader | undefined> {
  if (init.receiver === 'dgram') return readWithDgram();
  const native = loadNativeReceiver();
  if ('UdpReceiver' in native) return readNatively(native.UdpReceiver);
  if (init.receiver === 'native') {
    post({ type: 'bind-failed', message: `netflow: native receiver unavailable: ${native.unavailable}` });
    return undefined;
  }
  post({ type: 'native-unavailable', reason: native.unavailable });
  return readWithDgram();
}

const reading = startReading();

port.on('message', async (message: ToReceiver) => {
  if (message.type === 'freed') {
    journal?.freed(message.bytes);
    return;
  }
  await (await reading)?.close();
  await journal?.close();
  if (statsTimer) clearTimeout(statsTimer);
  post({ type: 'closed', stats: stats() });
});
