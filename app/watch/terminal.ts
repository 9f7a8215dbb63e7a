/**
 * The terminal `watch` draws on: the alternate screen (the shell's screen comes back on exit), raw keys decoded
 * by node:readline, plain ANSI/VT100 sequences that every terminal emulator and SSH session understands (no
 * mouse, no colours needed), a whole-screen redraw per frame (one write of at most a few kilobytes) and a full
 * clear when the window changes size.
 */
import { emitKeypressEvents } from 'node:readline';
import type { Line } from './screen.js';
import type { KeyPress } from './state.js';

const CSI = '\x1b[';
const STYLE: Record<Line['style'], string> = { plain: '', inverse: `${CSI}7m`, bold: `${CSI}1m` };

export interface TerminalSize {
  width: number;
  height: number;
}

export class Terminal {
  private resized = true;
  private started = false;
  private readonly onKeypress: (text: string | undefined, key: KeyPress | undefined) => void;
  private readonly onResize = () => {
    this.resized = true;
    this.events.resize();
  };

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
    private readonly events: { key(key: KeyPress): void; resize(): void },
  ) {
    this.onKeypress = (text, key) => this.events.key(key ?? { sequence: text });
  }

  get size(): TerminalSize {
    return { width: this.output.columns || 80, height: this.output.rows || 24 };
  }

  start(): void {
    emitKeypressEvents(this.input);
    this.input.setRawMode(true);
    this.input.on('keypress', this.onKeypress);
    this.input.resume();
    this.output.on('resize', this.onResize);
    // The alternate screen, the cursor hidden, line wrap off: a full-width last column never scrolls the screen.
    this.output.write(`${CSI}?1049h${CSI}?25l${CSI}?7l`);
    this.started = true;
  }

  draw(lines: readonly Line[]): void {
    let frame = this.resized ? `${CSI}2J` : '';
    this.resized = false;
    frame += `${CSI}H`;
    lines.forEach((line, i) => {
      const style = STYLE[line.style];
      // The line is erased first, not after: with line wrap off, an erase after a full-width line would take its
      // last character (the cursor stays on the last column).
      frame += `${CSI}${i + 1};1H${CSI}2K${style}${line.text}${style === '' ? '' : `${CSI}0m`}`;
    });
    this.output.write(frame);
  }

  /** Gives the terminal back as it was: the shell's screen, the cursor, line wrap, cooked input. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.output.off('resize', this.onResize);
    this.input.off('keypress', this.onKeypress);
    this.input.setRawMode(false);
    this.input.pause();
    this.output.write(`${CSI}0m${CSI}?7h${CSI}?25h${CSI}?1049l`);
  }
}
