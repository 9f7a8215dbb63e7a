import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { DatagramIntake, PostToSource } from './datagram-intake.js';
import type { NativeReceiver, NativeReceiverConstructor } from './native-receiver.js';
import type { ReceiveInit } from './receive-protocol.js';
import { BATCH_DELAY_MS, bindFailed, dataPart, type SocketReader } from './socket-reader.js';

/** Bytes of datagrams the native receiver holds while this thread is busy: 25 ms of 300 MB/s of exports. */
export const NATIVE_RING_BYTES = 8 * 1024 * 1024;
const NATIVE_BATCH_BYTES = 1024 * 1024;
/**
 * Journal writes queued beyond which the native reader stops taking datagrams until some are written: they then
 * wait in its ring and in the kernel's buffer, where they cost no heap, instead of being dropped as overflow.
 */
const NATIVE_MAX_PENDING_BYTES = 8 * 1024 * 1024;

/**
 * Reads the socket with the native receiver, whose own thread reads it and packs batches that this one takes;
 * undefined when the socket cannot be opened (`bind-failed` was posted).
 */
export async function readNatively(
  UdpReceiver: NativeReceiverConstructor,
  init: ReceiveInit,
  intake: DatagramIntake,
  post: PostToSource,
): Promise<SocketReader | undefined> {
  let host: string;
  let family: 4 | 6;
  try {
    const found = isIP(init.host) ? { address: init.host, family: isIP(init.host) } : await lookup(init.host);
    host = found.address;
    family = found.family === 6 ? 6 : 4;
  } catch (err) {
    bindFailed(post, err as NodeJS.ErrnoException);
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
      if (intake.journalPendingBytes >= NATIVE_MAX_PENDING_BYTES) {
        waitingForJournal = true;
        break;
      }
      const taken = receiver.take(NATIVE_BATCH_BYTES, init.batchSize);
      if (!taken) break;
      intake.deliver(intake.admit({ buffer: taken[0], packets: taken[1] }));
    }
    const { lastError } = receiver.stats();
    if (lastError) post({ type: 'socket-error', message: lastError });
  };
  intake.onJournalWritten(() => {
    if (waitingForJournal) drainTimer ??= setTimeout(drain, 0);
  });
  try {
    receiver = new UdpReceiver(
      host,
      family,
      init.port,
      init.recvBufferSize ?? 0,
      NATIVE_RING_BYTES,
      () => {
        drainTimer ??= setTimeout(drain, BATCH_DELAY_MS);
      },
      init.reusePort === true,
    );
  } catch (err) {
    bindFailed(post, err as NodeJS.ErrnoException);
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
        await intake.whenJournalWritten();
        drain();
      }
      if (drainTimer) clearTimeout(drainTimer);
    },
  };
}
