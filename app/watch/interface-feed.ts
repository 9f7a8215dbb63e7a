/**
 * `watch --interface`: a live capture of its own (the tap's ring, plugins/tap) read into a meter of its own
 * (codecs/pcap), polled like a replayed file's. Nothing is written anywhere: what the screen shows is all there is.
 */
import { createCaptureMeter, type MeterOptions } from '../../codecs/pcap/meter.js';
import { readRingIntoMeter } from '../../plugins/tap/reader.js';
import { openRing, RING_BLOCK_TIMEOUT_MS, type RingOptions } from '../../plugins/tap/ring.js';
import type { WatchFeed } from './run.js';
import { TapFeed } from './tap-feed.js';

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Opens the interface's ring now (throws RingOpenError naming the interface when it cannot) and reads it on. */
export function interfaceFeed(ringOptions: RingOptions, meterOptions: MeterOptions): WatchFeed {
  const ring = openRing(ringOptions);
  const meter = createCaptureMeter(meterOptions);
  let stopped = false;
  let failure: string | undefined;
  const reading = readRingIntoMeter(ring, meter, {
    clockLagMs: 2 * RING_BLOCK_TIMEOUT_MS,
    stopped: () => stopped,
  }).then(
    (intact) => {
      if (!intact) failure = `capture stream unreadable: ${meter.stats().error}`;
    },
    (err: Error) => {
      failure = err.message;
    },
  );
  return new TapFeed(ringOptions.interface, meter, {
    status: () => {
      if (failure !== undefined) return `capture stopped: ${failure}`;
      const { frames, kernelDrops } = ring.stats();
      const drops = kernelDrops > 0 ? `, ${count(kernelDrops)} dropped by the kernel` : '';
      return `capturing live: ${count(frames)} packets${drops}`;
    },
    close: async () => {
      stopped = true;
      await reading;
      ring.close();
    },
  });
}
