/**
 * One interface's ring read into a flow meter until stopped: the ring's pcap stream is pushed to the meter as it
 * comes, and when no frame came within a read's wait the meter's clock is moved on by the wall clock instead, so
 * that flows end on their idle timeout on a quiet link too. The collector's tap (source.ts) and `flowtrail watch
 * --interface` read their rings this way.
 */
import type { PacketRing } from './ring.js';

/** What the reader needs of a flow meter. */
export interface StreamMeter {
  /** Meters the frames these bytes of a pcap stream complete; false once its framing is lost. */
  push(chunk: Buffer): boolean;
  /** The wall clock (epoch ms): flows idle since are written out. */
  tick(nowMs: number): void;
}

export interface RingReadOptions {
  /**
   * Frames of a block the kernel has not handed over yet are up to a block timeout old: the wall clock is moved
   * back by this much (twice that timeout), so that no flow is ended by the clock while its packet waits in the ring.
   */
  clockLagMs: number;
  /** Asked before each read: true ends the reading. */
  stopped(): boolean;
  /** Runs after each read (frames metered or the clock moved), before the next. */
  afterRead?(): Promise<void> | void;
}

/** How long a read waits for frames before the meter's clock is moved on by the wall clock instead. */
export const READ_TIMEOUT_MS = 100;

/** Reads until stopped (true) or until the meter lost the stream's framing (false). */
export async function readRingIntoMeter(
  ring: PacketRing,
  meter: StreamMeter,
  options: RingReadOptions,
): Promise<boolean> {
  while (!options.stopped()) {
    const chunk = await ring.read(READ_TIMEOUT_MS);
    // Only when the ring is drained does the wall clock say more than the packets' times.
    if (chunk === undefined) meter.tick(Date.now() - options.clockLagMs);
    else if (!meter.push(chunk)) return false;
    await options.afterRead?.();
  }
  return true;
}
