/**
 * Receiving worker of the UDP NetFlow source (see `source.ts`): reads the socket, packs datagrams into batches and
 * appends them to the journal (or, without one, posts them to the owning thread). It does nothing else, so that
 * neither the pipeline's work nor its garbage collection on the owning thread delays reading the socket: a pause
 * longer than the receive buffer lasts at line rate (a few milliseconds) loses datagrams. Where the native receiver
 * is built, its own thread reads the socket and this one only takes its batches (`native-reader.ts`); Node's dgram,
 * one callback per datagram, is the fallback (`dgram-reader.ts`).
 */
import { type MessagePort, parentPort, type Worker } from 'node:worker_threads';
import { startWorker, workerDataFor } from '../../src/util/worker.js';
import { DatagramIntake, type PostToSource } from './datagram-intake.js';
import { readWithDgram } from './dgram-reader.js';
import { readNatively } from './native-reader.js';
import { loadNativeReceiver } from './native-receiver.js';
import type { ReceiveInit, ToReceiver } from './receive-protocol.js';
import type { SocketReader } from './socket-reader.js';

/** Starts a receiving worker; `ReceiveWorkerHandle` talks to it. */
export function startReceiveWorker(init: ReceiveInit): Worker {
  return startWorker(import.meta.url, init);
}

async function startReading(
  init: ReceiveInit,
  intake: DatagramIntake,
  post: PostToSource,
): Promise<SocketReader | undefined> {
  // Node 20's dgram cannot set SO_REUSEPORT: sharing the port needs the native receiver.
  if (init.receiver === 'dgram' && !init.reusePort) return readWithDgram(init, intake, post);
  const native = loadNativeReceiver();
  if ('UdpReceiver' in native) return readNatively(native.UdpReceiver, init, intake, post);
  if (init.receiver === 'native' || init.reusePort) {
    post({
      type: 'bind-failed',
      message: `netflow: native receiver unavailable${init.reusePort ? ' (reuse_port needs it)' : ''}: ${native.unavailable}`,
    });
    return undefined;
  }
  post({ type: 'native-unavailable', reason: native.unavailable });
  return readWithDgram(init, intake, post);
}

function receive(port: MessagePort, init: ReceiveInit): void {
  const post: PostToSource = (message, transfer) => port.postMessage(message, transfer);
  const intake = new DatagramIntake(init, post);
  const reading = startReading(init, intake, post);
  port.on('message', async (message: ToReceiver) => {
    if (message.type === 'freed') {
      intake.freed(message.bytes);
      return;
    }
    await (await reading)?.close();
    await intake.close();
    post({ type: 'closed', stats: intake.stats() });
  });
}

const init = workerDataFor<ReceiveInit>(import.meta.url);
if (init && parentPort) receive(parentPort, init);
