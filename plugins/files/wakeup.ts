/**
 * The tailer's pause between passes: it ends after the poll interval, on abort, or as soon as fs.watch pokes;
 * a poke while no pause is under way makes the next pause end at once, so no change waits a whole interval.
 */
export class Wakeup {
  private woken = false;
  private wake: (() => void) | undefined;

  poke(): void {
    if (this.wake !== undefined) this.wake();
    else this.woken = true;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
