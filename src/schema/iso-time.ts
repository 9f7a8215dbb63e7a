/** `000Z` to `999Z`: the end of an ISO time, from its milliseconds. */
const MILLISECONDS = Array.from({ length: 1000 }, (_, ms) => `${String(ms).padStart(3, '0')}Z`);

/** Seconds an IsoFormatter remembers: a flow's end is mostly within a minute of the ends before it. */
const SECONDS_REMEMBERED = 64;

/**
 * `new Date(ms).toISOString()`, remembering the text of the last seconds formatted: the records of a batch mostly
 * share their seconds, and Date formatting is among the costliest steps of the mapping. One instance per field,
 * so that `event.created` (now) and the flow's own times do not evict each other.
 */
export class IsoFormatter {
  /** Each remembered second (epoch ms) at its slot, and its text up to the milliseconds. */
  private readonly seconds = new Float64Array(SECONDS_REMEMBERED).fill(Number.NaN);
  private readonly prefixes: string[] = new Array(SECONDS_REMEMBERED).fill('');
  /** The last millisecond formatted and its text: `event.created` of a batch is mostly one `now`. */
  private millisecond = Number.NaN;
  private text = '';

  format(ms: number): string {
    if (!(ms >= 0) || !Number.isFinite(ms)) return new Date(ms).toISOString();
    const whole = Math.trunc(ms);
    if (whole === this.millisecond) return this.text;
    const millis = whole % 1000;
    const second = whole - millis;
    const slot = (second / 1000) % SECONDS_REMEMBERED;
    if (this.seconds[slot] !== second) {
      // Everything up to the milliseconds: `YYYY-MM-DDTHH:MM:SS.` (or the extended-year form). Remembered only
      // once formatted: a time out of Date's range throws, and must throw again the next time.
      this.prefixes[slot] = new Date(second).toISOString().slice(0, -4);
      this.seconds[slot] = second;
    }
    this.millisecond = whole;
    this.text = `${this.prefixes[slot]}${MILLISECONDS[millis]}`;
    return this.text;
  }
}
