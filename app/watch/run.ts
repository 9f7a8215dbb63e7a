/**
 * `watch`'s loop: once a tick it takes what the feed has (flow-table.ts counts it) and redraws; a key or a
 * resize redraws at once. Paused, it stops taking from the feed, which goes on counting, so the screen holds
 * still and nothing is lost.
 */

import type { FlowFilter } from './filter.js';
import { type FeedUpdate, FlowTable } from './flow-table.js';
import { layout } from './screen.js';
import { initialState, pressKey } from './state.js';
import { Terminal } from './terminal.js';

/** Where `watch`'s flows come from: a meter over a capture (tap-feed.ts), or a collector's stream. */
export interface WatchFeed {
  /** Named on the title line: the file, the interface, the collector's address. */
  readonly source: string;
  /** What it is doing now, for the title line. */
  status(): string;
  /** What it has counted since the last poll; undefined while it has nothing yet. */
  poll(): FeedUpdate | undefined;
  close(): Promise<void>;
}

export interface WatchOptions {
  feed: WatchFeed;
  filter: FlowFilter;
  /** Finished conversations kept on screen at most. */
  keepClosed: number;
  tickMs: number;
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

/** Runs until `q`, Ctrl-C, SIGTERM or SIGHUP (the SSH session went away). */
export async function runWatch(options: WatchOptions): Promise<void> {
  const { feed } = options;
  const table = new FlowTable({ keepClosed: options.keepClosed });
  const state = initialState(options.filter);
  let pageRows = 0;
  let drawing: NodeJS.Immediate | undefined;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  // A failure inside a timer ends the loop, so that the terminal is given back before it is reported.
  let failure: unknown;
  const guarded = (work: () => void) => (): void => {
    try {
      work();
    } catch (err) {
      failure ??= err;
      finish();
    }
  };
  const terminal = new Terminal(options.input, options.output, {
    key: (key) =>
      guarded(() => {
        pressKey(state, key, pageRows);
        if (state.quit) finish();
        else redraw();
      })(),
    resize: () => redraw(),
  });
  const draw = guarded(() => {
    drawing = undefined;
    const flows = [...table.all()].filter(state.filter.matches);
    const screen = layout({
      state,
      flows,
      kept: table.size,
      dropped: table.dropped,
      source: feed.source,
      time: table.time,
      status: feed.status(),
      ...terminal.size,
    });
    pageRows = screen.pageRows;
    terminal.draw(screen.lines);
  });
  // Keys come in bursts (a pasted filter, a held arrow): one frame for the burst.
  const redraw = () => {
    drawing ??= setImmediate(draw);
  };
  const tick = setInterval(
    guarded(() => {
      if (state.paused) return;
      const update = feed.poll();
      if (update !== undefined) table.apply(update);
      redraw();
    }),
    options.tickMs,
  );
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.once(signal, finish);
  terminal.start();
  try {
    redraw();
    await finished;
  } finally {
    clearInterval(tick);
    if (drawing !== undefined) clearImmediate(drawing);
    for (const signal of signals) process.off(signal, finish);
    terminal.stop();
    await feed.close();
  }
  if (failure !== undefined) throw failure;
}
