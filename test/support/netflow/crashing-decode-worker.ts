/**
 * The real decode worker, except that its thread ends, as running out of memory would end it, on the first batch
 * holding `CRASH_DATAGRAM` before decoding it: what the quarantine of the journal is for, now that no datagram
 * makes the real decode path throw.
 */
import { parentPort } from 'node:worker_threads';
import { readDatagramBatch } from '../../../plugins/netflow/datagram-batch.js';
import type { DecodeInit, ToDecodeWorker } from '../../../plugins/netflow/decode-protocol.js';
import { runDecodeWorker } from '../../../plugins/netflow/decode-worker.js';
import { startWorker, workerDataFor } from '../../../src/util/worker.js';

export const CRASH_DATAGRAM = Buffer.from('flowtrail test: the decode worker dies on this batch');

/** The exit code of the worker's thread when it dies on purpose. */
export const CRASH_EXIT_CODE = 70;

export function startCrashingDecodeWorker(init: DecodeInit) {
  return startWorker(import.meta.url, init);
}

function holdsCrashDatagram(buffer: ArrayBuffer): boolean {
  let found = false;
  readDatagramBatch(buffer, ({ data }) => {
    if (data.equals(CRASH_DATAGRAM)) found = true;
  });
  return found;
}

const init = workerDataFor<DecodeInit>(import.meta.url);
if (init && parentPort) {
  // Registered before the decoder's own listener, so it sees each batch first. A throw would not do: a message
  // port's other listeners still run after one throws, and the batch would be decoded before the thread ended.
  parentPort.on('message', (message: ToDecodeWorker) => {
    if (message.type === 'batch' && holdsCrashDatagram(message.buffer)) process.exit(CRASH_EXIT_CODE);
  });
  runDecodeWorker(parentPort, init);
}
