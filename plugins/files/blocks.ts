import type { Line } from './lines.js';

/** Several lines read as one record (Snort alert_full): the first line's position identifies it. */
export interface Block {
  text: string;
  offset: number;
  next: number;
  number: number;
}

/**
 * Groups lines into records that start with a line beginning with `start` and end at a blank line (or at the
 * next start line, for writers that omit the blank line). Lines before the first start line form a block of
 * their own so that they reach the parser and are reported instead of silently dropped.
 */
export class BlockGrouper {
  private lines: Line[] = [];

  constructor(private readonly start: string) {}

  /** The first line of the block being gathered: a reader that stops now resumes there. */
  get held(): Line | undefined {
    return this.lines[0];
  }

  /** Adds a line; returns the block it completed, if any. */
  push(line: Line): Block | undefined {
    if (line.text.trim() === '') return this.flush();
    const completed = line.text.startsWith(this.start) ? this.flush() : undefined;
    this.lines.push(line);
    return completed;
  }

  /** The pending block, at the end of the input. */
  flush(): Block | undefined {
    if (this.lines.length === 0) return undefined;
    const lines = this.lines;
    this.lines = [];
    const first = lines[0];
    return {
      text: lines.map((l) => l.text).join('\n'),
      offset: first.offset,
      next: lines[lines.length - 1].next,
      number: first.number,
    };
  }
}
