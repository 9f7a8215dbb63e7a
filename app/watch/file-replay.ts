/**
 * A capture file fed to a meter at the pace it was recorded (or `speed` times that), so `watch --file` shows
 * what a live capture would have shown. The file is handed over in small pieces: after each, the meter's clock
 * (its newest packet's time) says how far into the capture it is, and the replay waits until the wall clock has
 * caught up.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep, setImmediate as yieldToLoop } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';
import type { CaptureMeter } from '../../codecs/pcap/meter.js';

/** Bytes handed to the meter at once: a few frames, so that the pace is kept closely and costs little. */
const PIECE = 4096;

export interface ReplayProgress {
  /** Bytes of the file read so far, and its size (for a `.gz`, of the compressed file). */
  read: number;
  size: number;
  done: boolean;
  /** Why the replay stopped early, or why the capture is incomplete. */
  error?: string;
}

export interface ReplayOptions {
  /** Times the recorded pace; Infinity: as fast as the meter goes. */
  speed: number;
  signal: AbortSignal;
  onProgress?: (progress: ReplayProgress) => void;
}

async function isGzip(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await file.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await file.close();
  }
}

/** Feeds the file to the meter until its end (then writes every flow out) or until the signal aborts. */
export async function replayFile(
  path: string,
  meter: CaptureMeter,
  options: ReplayOptions,
): Promise<ReplayProgress> {
  const gzip = await isGzip(path);
  const raw = createReadStream(path);
  const { size } = await stat(path);
  const progress: ReplayProgress = { read: 0, size, done: false };
  const stream = gzip ? raw.pipe(createGunzip()) : raw;
  let wallStart: number | undefined;
  let captureStart = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (let at = 0; at < chunk.length; at += PIECE) {
        if (options.signal.aborted) return progress;
        if (!meter.push(chunk.subarray(at, at + PIECE))) {
          progress.error = meter.stats().error;
          progress.done = true;
          return progress;
        }
        const captured = meter.stats().clockMs;
        if (captured < 0) continue;
        if (wallStart === undefined) {
          wallStart = Date.now();
          captureStart = captured;
        }
        const ahead = wallStart + (captured - captureStart) / options.speed - Date.now();
        if (ahead > 1) await sleep(ahead, undefined, { signal: options.signal }).catch(() => undefined);
        else await yieldToLoop();
        progress.read = raw.bytesRead;
        options.onProgress?.(progress);
      }
    }
  } finally {
    raw.destroy();
  }
  if (!meter.end()) progress.error = meter.stats().error;
  progress.read = size;
  progress.done = true;
  options.onProgress?.(progress);
  return progress;
}
