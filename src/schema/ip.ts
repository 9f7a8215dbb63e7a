import ipaddr from 'ipaddr.js';
import { parseIPv4 } from './ipv4.js';

/**
 * IP address text to network-order bytes, written into a caller's buffer so that the per-flow work (Community ID,
 * locality) allocates nothing. The usual forms are parsed by hand; whatever they do not cover (IPv4 in hex or
 * octal, IPv6 with an odd IPv4 tail) goes through ipaddr.js, so both paths accept exactly what ipaddr.js accepts.
 */

/** Groups of the IPv6 address being parsed; module-level because parsing never re-enters. */
const groups = new Uint16Array(8);

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/** ipaddr.js accepts a zone index of letters and digits after `%`, and ignores it. */
function isZone(text: string, from: number): boolean {
  if (from >= text.length) return false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

/**
 * Hexadecimal groups with at most one `::`, an optional dotted IPv4 tail and an optional zone. Writes 16 bytes at
 * `at` and returns true, or returns false (leaving `out` in any state) when the text is not in these forms.
 */
export function parseIPv6(text: string, out: Uint8Array, at: number): boolean {
  let end = text.length;
  const percent = text.indexOf('%');
  if (percent !== -1) {
    if (!isZone(text, percent + 1)) return false;
    end = percent;
  }
  if (end < 2) return false;
  let count = 0;
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58 /* : */) {
    if (text.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    if (count === 8) return false;
    let value = 0;
    let j = i;
    for (; j < end; j++) {
      const digit = hexValue(text.charCodeAt(j));
      if (digit < 0) break;
      value = value * 16 + digit;
    }
    if (j < end && text.charCodeAt(j) === 46 /* . */) {
      // A dotted IPv4 tail fills the last two groups. ipaddr.js reads `::a.b.c.d` as `::ffff:a.b.c.d`, not as the
      // RFC 4291 IPv4-compatible address; that form is left to it so that both paths give the same bytes.
      if (count > 6 || (count === 0 && gap === 0)) return false;
      const v4 = parseIPv4(text.slice(i, end));
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (j === i || j - i > 4) return false;
    groups[count++] = value;
    i = j;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (i === end) return false;
    if (text.charCodeAt(i) === 58) {
      if (gap !== -1) return false;
      gap = count;
      i++;
    }
  }
  if (gap === -1 ? count !== 8 : count > 7) return false;
  const zeros = 8 - count;
  let g = 0;
  for (let k = 0; k < 8; k++) {
    const value = gap !== -1 && k >= gap && k < gap + zeros ? 0 : groups[g++];
    out[at + 2 * k] = value >>> 8;
    out[at + 2 * k + 1] = value & 255;
  }
  return true;
}

/**
 * Writes the address's bytes at `at`; returns 4 (IPv4), 16 (IPv6) or 0 when the text is no address. `out` must have
 * 16 bytes of room at `at`.
 */
export function writeAddress(text: string, out: Uint8Array, at: number): number {
  const v4 = parseIPv4(text);
  if (v4 >= 0) {
    out[at] = v4 >>> 24;
    out[at + 1] = (v4 >>> 16) & 255;
    out[at + 2] = (v4 >>> 8) & 255;
    out[at + 3] = v4 & 255;
    return 4;
  }
  if (parseIPv6(text, out, at)) return 16;
  let bytes: number[];
  try {
    bytes = ipaddr.parse(text).toByteArray();
  } catch {
    return 0;
  }
  out.set(bytes, at);
  return bytes.length;
}
