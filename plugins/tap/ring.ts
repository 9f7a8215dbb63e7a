/**
 * One interface's live capture (native/ring.c, the `pcap_tap` addon built by `npm ci`): an AF_PACKET socket with a
 * TPACKET_V3 ring, read out as a pcap byte stream (nanosecond records after a file header), the stream a capture
 * file would hold.
 */
import { loadNativeAddon } from '../../src/util/native-addon.js';

export interface RingOptions {
  interface: string;
  /** tcpdump's filter language, compiled by libpcap; empty: every frame. */
  filter: string;
  /** Bytes of each frame kept (the rest is cut, its length still recorded). */
  snaplen: number;
  promiscuous: boolean;
  blockBytes: number;
  blocks: number;
  /** A block that is not full is handed over after this long. */
  blockTimeoutMs: number;
}

export interface RingStats {
  /** Frames the socket took (PACKET_STATISTICS: those it dropped included). */
  kernelPackets: number;
  /** Frames the kernel dropped because the ring was full. */
  kernelDrops: number;
  /** Frames read out of the ring. */
  frames: number;
  /** Their captured bytes. */
  bytes: number;
  /** Frames lost because the read buffer could not grow (out of memory). */
  unbuffered: number;
  /** Errors the socket reported (the interface went down), and the last one; empty before any. */
  socketErrors: number;
  lastError: string;
}

export interface PacketRing {
  /** The stream's next bytes, or undefined when no frame came within `timeoutMs` (or the ring is closed). */
  read(timeoutMs: number): Promise<Buffer | undefined>;
  stats(): RingStats;
  /** The pcap link type of the stream: 1 (Ethernet) or 101 (raw IP). */
  linktype(): number;
  /** The interface's index (ifIndex). */
  ifindex(): number;
  /** Releases the socket, at once or when the running read ends. */
  close(): void;
}

/** Rings are made of blocks this large. */
export const RING_BLOCK_BYTES = 1024 ** 2;
/** A block that is not full is handed over after this long: the latency a quiet link's packets see at most. */
export const RING_BLOCK_TIMEOUT_MS = 64;

/** The blocks of a ring of about `bytes` (2 at least) and their timeout. */
export function ringGeometry(bytes: number): Pick<RingOptions, 'blockBytes' | 'blocks' | 'blockTimeoutMs'> {
  return {
    blockBytes: RING_BLOCK_BYTES,
    blocks: Math.max(2, Math.floor(bytes / RING_BLOCK_BYTES)),
    blockTimeoutMs: RING_BLOCK_TIMEOUT_MS,
  };
}

type Addon = { PacketRing: new (options: RingOptions) => PacketRing };

/** Why a ring could not be opened, with the interface it is about. */
export class RingOpenError extends Error {
  override readonly name = 'RingOpenError';

  constructor(
    readonly interfaceName: string,
    message: string,
    /** The capability is missing (not root, no CAP_NET_RAW). */
    readonly permission: boolean,
  ) {
    super(message);
  }
}

let loaded: Addon | { unavailable: string } | undefined;

/** Why interfaces cannot be captured here, or undefined when they can. */
export function ringUnavailable(): string | undefined {
  loaded ??= loadNativeAddon<Addon>('pcap_tap');
  return 'unavailable' in loaded ? loaded.unavailable : undefined;
}

export function openRing(options: RingOptions): PacketRing {
  const why = ringUnavailable();
  if (why !== undefined || loaded === undefined || 'unavailable' in loaded)
    throw new RingOpenError(options.interface, `live capture is not available: ${why}`, false);
  try {
    return new loaded.PacketRing(options);
  } catch (err) {
    const { message, code } = err as NodeJS.ErrnoException;
    throw new RingOpenError(options.interface, message, code === 'ERR_CAPTURE_PERMISSION');
  }
}
