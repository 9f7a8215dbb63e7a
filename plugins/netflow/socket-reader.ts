/** What the receiving worker's two socket readers (`dgram-reader.ts`, `native-reader.ts`) have in common. */
import type { PostToSource } from './datagram-intake.js';

export interface SocketReader {
  /** Closes the socket; everything read before is delivered when it resolves. */
  close(): Promise<void>;
}

/**
 * A partial batch is flushed after this long: batching amortises the cost of a write over many datagrams under
 * load, while a lone datagram still waits at most about a millisecond.
 */
export const BATCH_DELAY_MS = 1;

/** Linux reports twice the receive buffer set, the other half being its bookkeeping; this is the part for data. */
export const dataPart = (reported: number) => (process.platform === 'linux' ? reported / 2 : reported);

export function bindFailed(post: PostToSource, err: NodeJS.ErrnoException): void {
  post({ type: 'bind-failed', message: err.message, code: err.code });
}
