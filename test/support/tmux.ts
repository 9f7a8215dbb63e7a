/**
 * A terminal program driven as a person would: in a detached tmux session of a fixed size on a tmux server of the
 * test's own (tmux -L), keys sent with send-keys, the screen read back with capture-pane. Made for `flowtrail watch`
 * (its screen's rows and amounts are read here too).
 */
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export class TmuxSession {
  /** Nobody's tmux sessions are seen or touched: the server is the test's own. */
  private readonly socket: string;

  constructor(
    name: string,
    private readonly session = 'main',
  ) {
    this.socket = `flowtrail-${name}-${process.pid}`;
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** Runs `command` in a new session of `width` x `height`; its pane stays after it exits (see `exitStatus`). */
  start(command: string[], width: number, height: number): void {
    this.tmux(
      'new-session',
      '-d',
      '-s',
      this.session,
      '-x',
      String(width),
      '-y',
      String(height),
      command.map((a) => `'${a}'`).join(' '),
    );
    this.tmux('set-option', '-t', this.session, 'remain-on-exit', 'on');
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', this.session);
  }

  /** All the pane holds: its history (what scrolled off, as a short-lived program's words can) and the screen. */
  output(): string {
    return this.tmux('capture-pane', '-p', '-S', '-', '-t', this.session);
  }

  keys(...names: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...names);
  }

  /** Types text as it is (no key names looked up). */
  type(text: string): void {
    this.tmux('send-keys', '-t', this.session, '-l', text);
  }

  resize(width: number, height: number): void {
    this.tmux('resize-window', '-t', this.session, '-x', String(width), '-y', String(height));
  }

  /**
   * The screen once it shows what `test` looks for and holds still (the same twice, 300 ms apart: a capture taken
   * while a frame is being drawn shows half of it); fails with the last screen after `timeoutMs`.
   */
  async showing(test: (text: string) => boolean, timeoutMs = 15_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    let text = this.screen();
    for (;;) {
      if (test(text)) {
        await sleep(300);
        const again = this.screen();
        if (again === text) return text;
        text = again;
        continue;
      }
      if (Date.now() > until) throw new Error(`the screen never showed what was expected:\n${text}`);
      await sleep(200);
      text = this.screen();
    }
  }

  /**
   * Once the program has exited (within `timeoutMs`), its exit status. tmux 3.3 does not always know a dead pane's
   * exit status (both status and signal come back empty): then ''.
   */
  async exitStatus(timeoutMs = 10_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const [dead, code] = this.tmux(
        'list-panes',
        '-t',
        this.session,
        '-F',
        '#{pane_dead}:#{pane_dead_status}',
      )
        .trim()
        .split(':');
      if (dead === '1') return code;
      if (Date.now() > until) throw new Error(`the program in tmux did not exit:\n${this.screen()}`);
      await sleep(200);
    }
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // Already gone: the server ends with its last session.
    }
  }
}

/** `watch`'s table rows: the lines between the column header (after the 3 heading lines) and the keys line. */
export function watchRows(text: string): string[] {
  const lines = text.split('\n');
  return lines
    .slice(
      4,
      lines.findIndex((l, i) => i > 3 && l.startsWith('1-6/Tab')),
    )
    .filter((l) => l.trim());
}

/** 998, 1.00k, 21.3M as a number. */
export function amount(text: string): number {
  const scale: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9 };
  const match = /^([\d.]+)([kMG]?)/.exec(text);
  if (match === null) throw new Error(`not an amount: ${text}`);
  return Number(match[1]) * (scale[match[2]] ?? 1);
}

/** `watch`'s summary line's `flows N/M`: the conversations that pass the filter. */
export function flowsShown(text: string): number {
  const match = /flows (\S+)\//.exec(text);
  if (match === null) throw new Error(`no flow count on the screen:\n${text}`);
  return amount(match[1]);
}
