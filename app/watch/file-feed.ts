/** `watch --file`: a capture replayed through a meter of its own (file-replay.ts), polled like a live one. */
import { basename } from 'node:path';
import { createCaptureMeter, type MeterOptions } from '../../codecs/pcap/meter.js';
import { type ReplayProgress, replayFile } from './file-replay.js';
import type { WatchFeed } from './run.js';
import { TapFeed } from './tap-feed.js';

function replayStatus(progress: ReplayProgress, speed: number, failure: string | undefined): string {
  if (failure !== undefined) return `failed: ${failure}`;
  if (progress.error !== undefined) return `capture incomplete: ${progress.error}`;
  if (progress.done) return 'replay finished';
  const pace =
    speed === Number.POSITIVE_INFINITY ? 'at full speed' : speed === 1 ? 'in real time' : `x${speed}`;
  const share = progress.size === 0 ? 0 : Math.floor((progress.read / progress.size) * 100);
  return `replaying ${pace} ${share}%`;
}

export function fileFeed(path: string, speed: number, meterOptions: MeterOptions): WatchFeed {
  const meter = createCaptureMeter(meterOptions);
  const abort = new AbortController();
  let progress: ReplayProgress = { read: 0, size: 0, done: false };
  let failure: string | undefined;
  const replay = replayFile(path, meter, {
    speed,
    signal: abort.signal,
    onProgress: (p) => {
      progress = p;
    },
  }).then(
    (p) => {
      progress = p;
    },
    (err: Error) => {
      failure = err.message;
    },
  );
  return new TapFeed(basename(path), meter, {
    status: () => replayStatus(progress, speed, failure),
    close: async () => {
      abort.abort();
      await replay;
    },
  });
}
