/** How `watch` writes numbers, flags and endpoints into fixed-width columns (ASCII only: any terminal, any SSH). */

const PREFIXES = ['', 'k', 'M', 'G', 'T', 'P'];

/** 999, 1.2k, 34.5M: a count in at most 6 characters. */
export function count(n: number): string {
  if (n < 1000) return String(Math.round(n));
  let value = n;
  let i = 0;
  while (value >= 999.95 && i < PREFIXES.length - 1) {
    value /= 1000;
    i++;
  }
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)}${PREFIXES[i]}`;
}

/** Bytes with a decimal prefix: 512B, 1.23kB, 20.1MB. */
export function bytes(n: number): string {
  return `${count(n)}B`;
}

/** A byte rate as bits per second, as link speeds are given: 1.20Mb/s. */
export function bitRate(bytesPerSecond: number): string {
  return `${count(bytesPerSecond * 8)}b/s`;
}

/** Letters of the TCP flags, in the order a connection uses them: S A P F R, then U E C. */
const FLAG_LETTERS: Array<[number, string]> = [
  [0x02, 'S'],
  [0x10, 'A'],
  [0x08, 'P'],
  [0x01, 'F'],
  [0x04, 'R'],
  [0x20, 'U'],
  [0x40, 'E'],
  [0x80, 'C'],
];

export function flagLetters(bits: number): string {
  let text = '';
  for (const [bit, letter] of FLAG_LETTERS) if (bits & bit) text += letter;
  return text;
}

/** The flags each side sent, source first: `S/AR` is a SYN answered by a reset. */
export function flagPair(sourceFlags: number, destinationFlags: number): string {
  return `${flagLetters(sourceFlags)}/${flagLetters(destinationFlags)}`;
}

/** `10.0.0.1:80`, `[2001:db8::1]:443`, or the address alone when there is no port. */
export function endpoint(ip: string, port: number | undefined): string {
  if (port === undefined) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The text cut or padded to `width` columns; a cut keeps the end, where an endpoint's port is. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  if (text.length > width) return width === 1 ? text.slice(-1) : `~${text.slice(text.length - width + 1)}`;
  return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

/** HH:MM:SS of an epoch ms, UTC. */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}
