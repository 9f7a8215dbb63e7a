/**
 * The native UDP receiver (native/udp_receiver.c, built by `npm ci` through scripts/build-native.mjs): a thread
 * reading the socket with recvmmsg into a ring of packed datagram batches (see `datagram-batch.ts`). Linux only;
 * elsewhere, or when it was not built, the receiving worker reads with Node's dgram instead.
 */
import { loadNativeAddon } from '../../src/util/native-addon.js';

export interface NativeReceiverStats {
  /** Datagrams read from the socket, refused exporters' included. */
  received: number;
  /** Absent once closed. */
  localPort?: number;
  /** The socket's receive buffer as the kernel reports it (SO_RCVBUF; on Linux twice the part for data). */
  receiveBufferBytes?: number;
  /** The last error reading the socket since the previous call, if any. */
  lastError?: string;
}

export interface NativeReceiver {
  /** Oldest datagrams first, packed, at most `maxBytes` (but at least one datagram) and `maxPackets`. */
  take(maxBytes: number, maxPackets: number): [ArrayBuffer, number] | undefined;
  stats(): NativeReceiverStats;
  /** Stops reading and closes the socket; what was read can still be taken. */
  close(): void;
}

export type NativeReceiverConstructor = new (
  address: string,
  family: 4 | 6,
  port: number,
  receiveBufferBytes: number,
  ringBytes: number,
  onReadable: () => void,
  reusePort?: boolean,
) => NativeReceiver;

/** The addon's constructor, or why it cannot be used here. */
export function loadNativeReceiver(): { UdpReceiver: NativeReceiverConstructor } | { unavailable: string } {
  return loadNativeAddon<{ UdpReceiver: NativeReceiverConstructor }>('udp_receiver');
}
