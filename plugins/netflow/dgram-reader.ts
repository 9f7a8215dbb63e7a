import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { DatagramBatchWriter } from './datagram-batch.js';
import type { DatagramIntake, PostToSource } from './datagram-intake.js';
import type { ReceiveInit } from './receive-protocol.js';
import { BATCH_DELAY_MS, bindFailed, dataPart, type SocketReader } from './socket-reader.js';

function exporterAddress(address: string): string {
  // Dual-stack sockets report IPv4 exporters as ::ffff:a.b.c.d; templates and allowlists use the IPv4 form.
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Reads the socket with Node's dgram, one callback per datagram: the fallback where the native reader is not built. */
export function readWithDgram(init: ReceiveInit, intake: DatagramIntake, post: PostToSource): SocketReader {
  const batch = new DatagramBatchWriter();
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    if (batch.packets > 0) intake.deliver(batch.take());
  };
  const socket = dgram.createSocket({
    type: isIPv6(init.host) ? 'udp6' : 'udp4',
    ...(init.recvBufferSize ? { recvBufferSize: init.recvBufferSize } : {}),
  });
  socket.on('message', (data, rinfo) => {
    const address = exporterAddress(rinfo.address);
    if (!intake.allowed(address)) {
      intake.refused(address, rinfo.port);
      return;
    }
    if (!batch.fits(data.length, address)) flush();
    batch.append(data, address, rinfo.port, Date.now());
    if (batch.packets >= init.batchSize) flush();
    else flushTimer ??= setTimeout(flush, BATCH_DELAY_MS);
  });
  socket.once('error', (err) => bindFailed(post, err));
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
