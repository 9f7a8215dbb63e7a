import { columnCountError, type TsvLayout, unescapeZeek } from './tsv.js';

/**
 * The fields of one data line, found without splitting it: splitting it, and converting the pieces to numbers,
 * cost about twice what finding the fields and reading the numbers off the line does.
 */
export class LineFields {
  private line = '';
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);

  constructor(private readonly layout: TsvLayout) {}

  /** Finds the fields of `line`; throws as `splitValues` does when they are not one per column. */
  read(line: string): void {
    const separator = this.layout.separator;
    let count = 0;
    let start = 0;
    for (;;) {
      const end = line.indexOf(separator, start);
      if (count === this.starts.length) this.grow();
      this.starts[count] = start;
      this.ends[count++] = end === -1 ? line.length : end;
      if (end === -1) break;
      start = end + separator.length;
    }
    if (count !== this.layout.columns.length) throw columnCountError(count, this.layout);
    this.line = line;
  }

  raw(at: number): string {
    return this.line.slice(this.starts[at], this.ends[at]);
  }

  isUnset(at: number): boolean {
    return this.is(at, this.layout.unsetField);
  }

  is(at: number, text: string): boolean {
    const start = this.starts[at];
    return this.ends[at] - start === text.length && this.line.startsWith(text, start);
  }

  /** As `ZeekTsvParser` reads a column of text. */
  text(at: number): string | undefined {
    if (at === -1 || this.isUnset(at)) return undefined;
    const raw = this.raw(at);
    return raw === this.layout.emptyField ? '' : unescapeZeek(raw);
  }

  /** As `ZeekTsvParser` reads a number: `Number` of the text, unset when that is NaN. */
  number(at: number): number | undefined {
    if (at === -1 || this.isUnset(at)) return undefined;
    const n = this.decimal(at);
    return Number.isNaN(n) ? undefined : n;
  }

  flag(at: number): boolean | undefined {
    if (at === -1 || this.isUnset(at)) return undefined;
    return this.is(at, 'T');
  }

  /**
   * `Number` of the field's text. Plain decimals (`-12.5`) are read digit by digit: their digits as one integer
   * and a power of ten are both exact doubles, so dividing one by the other rounds once, to the double `Number`
   * gives. Anything else (exponents, hex, blanks, more digits than a double holds) goes to `Number`.
   */
  decimal(at: number): number {
    const line = this.line;
    const end = this.ends[at];
    let i = this.starts[at];
    const negative = line.charCodeAt(i) === 45; /* - */
    if (negative) i++;
    let digits = 0;
    let scale = 1;
    let point = false;
    let n = 0;
    for (; i < end; i++) {
      const c = line.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        n = n * 10 + (c - 48);
        digits++;
        if (point) scale *= 10;
      } else if (c === 46 /* . */ && !point) {
        point = true;
      } else {
        return Number(this.raw(at));
      }
    }
    if (digits === 0 || n > Number.MAX_SAFE_INTEGER) return Number(this.raw(at));
    const value = n / scale;
    return negative ? -value : value;
  }

  /** Whether the field is an integer whose text is its JSON: digits, no leading zero, few enough to be exact. */
  isPlainInteger(at: number): boolean {
    const line = this.line;
    const start = this.starts[at];
    const length = this.ends[at] - start;
    if (length === 0 || length > 15) return false;
    const first = line.charCodeAt(start);
    if (first === 48 /* 0 */) return length === 1;
    if (first < 49 || first > 57) return false;
    for (let i = start + 1; i < start + length; i++) {
      const c = line.charCodeAt(i);
      if (c < 48 || c > 57) return false;
    }
    return true;
  }

  private grow(): void {
    const starts = new Int32Array(this.starts.length * 2);
    const ends = new Int32Array(this.ends.length * 2);
    starts.set(this.starts);
    ends.set(this.ends);
    this.starts = starts;
    this.ends = ends;
  }
}
