import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { seededRandom as random } from '../../test/support/random.js';
import { parseIPv6, writeAddress } from './ip.js';
import { LocalNetworks } from './locality.js';

/** ipaddr.js's bytes for the text, or undefined where it refuses it: the reference the hand parser must agree with. */
function reference(text: string): string | undefined {
  try {
    return Buffer.from(ipaddr.IPv6.parse(text).toByteArray()).toString('hex');
  } catch {
    return undefined;
  }
}

function fast(text: string): string | undefined {
  const out = new Uint8Array(20);
  return parseIPv6(text, out, 2) ? Buffer.from(out.subarray(2, 18)).toString('hex') : undefined;
}

/** Text forms of a random address: full, RFC 5952 compressed, upper case, with leading zeros, with a zone. */
function forms(next: () => number): string[] {
  const groups = Array.from({ length: 8 }, () => (next() < 0.4 ? 0 : Math.floor(next() * 0x10000)));
  const hex = groups.map((g) => g.toString(16));
  const full = hex.join(':');
  const compressed = ipaddr.IPv6.parse(full).toRFC5952String();
  const v4 = `${groups[6] >>> 8}.${groups[6] & 255}.${groups[7] >>> 8}.${groups[7] & 255}`;
  return [
    full,
    compressed,
    compressed.toUpperCase(),
    groups.map((g) => g.toString(16).padStart(4, '0')).join(':'),
    `${compressed}%eth${Math.floor(next() * 10)}`,
    `${hex.slice(0, 6).join(':')}:${v4}`,
    `::ffff:${v4}`,
  ];
}

describe('IPv6 text to bytes', () => {
  it.each([
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['1::', '00010000000000000000000000000000'],
    ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
    ['2001:DB8::ABCD', '20010db800000000000000000000abcd'],
    ['fe80::217:f2ff:fed7:cf65', 'fe800000000000000217f2fffed7cf65'],
    ['::ffff:10.77.0.9', '00000000000000000000ffff0a4d0009'],
    ['64:ff9b::192.0.2.33', '0064ff9b0000000000000000c0000221'],
    ['fe80::1%eth0', 'fe800000000000000000000000000001'],
  ])('parses %s', (text, hex) => {
    expect(fast(text)).toBe(hex);
    expect(reference(text)).toBe(hex);
  });

  it.each([
    '',
    ':',
    ':1',
    '1:',
    '1:::2',
    '1::2::3',
    '12345::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8::',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::ffff:1.2.3.256',
    'g::1',
    'fe80::1%',
    'fe80::1%eth-0',
    '10.0.0.1',
  ])('refuses %j', (text) => {
    expect(fast(text)).toBeUndefined();
    expect(reference(text)).toBeUndefined();
  });

  it('agrees with ipaddr.js on generated addresses in every text form', () => {
    const next = random(4);
    let checked = 0;
    for (let i = 0; i < 2000; i++) {
      for (const text of forms(next)) {
        expect(fast(text), text).toBe(reference(text));
        checked++;
      }
    }
    expect(checked).toBe(14_000);
  });

  it('never accepts what ipaddr.js refuses, on mutated addresses', () => {
    const next = random(9);
    const alphabet = '0123456789abcdefABCDEF:.%xg ';
    for (let i = 0; i < 20_000; i++) {
      const chars = [...forms(next)[Math.floor(next() * 7)]];
      const at = Math.floor(next() * chars.length);
      const mutation = next();
      if (mutation < 0.33) chars.splice(at, 1);
      else if (mutation < 0.66) chars.splice(at, 0, alphabet[Math.floor(next() * alphabet.length)]);
      else chars[at] = alphabet[Math.floor(next() * alphabet.length)];
      const text = chars.join('');
      const mine = fast(text);
      if (mine !== undefined) expect(mine, text).toBe(reference(text));
    }
  });
});

describe('any address text to bytes', () => {
  it('writes IPv4, IPv6 and the forms only ipaddr.js reads, at the offset', () => {
    const out = new Uint8Array(20);
    expect(writeAddress('192.0.2.1', out, 1)).toBe(4);
    expect([...out.subarray(1, 5)]).toEqual([192, 0, 2, 1]);
    expect(writeAddress('::1.2.3.4', out, 0)).toBe(16);
    expect(Buffer.from(out.subarray(0, 16)).toString('hex')).toBe('00000000000000000000ffff01020304');
    expect(writeAddress('0xc0.0.2.1', out, 0)).toBe(4);
    expect(writeAddress('garbage', out, 0)).toBe(0);
  });
});

describe('locality of IPv6 addresses', () => {
  const local = new LocalNetworks(['10.0.0.0/8', '2001:db8:77::/48', 'fd00::/7', 'fe80::/10']);
  it.each([
    ['2001:db8:77:ffff::1', 'internal'],
    ['2001:DB8:77::1', 'internal'],
    ['2001:db8:78::1', 'external'],
    ['fc00::1', 'internal'],
    ['fbff::1', 'external'],
    ['febf::1', 'internal'],
    ['fec0::1', 'external'],
    ['::ffff:10.1.2.3', 'internal'],
    ['::ffff:11.1.2.3', 'external'],
    ['fe80::1%eth0', 'internal'],
    ['not an address', 'external'],
  ])('%s is %s', (address, locality) => expect(local.locality(address)).toBe(locality));
});
