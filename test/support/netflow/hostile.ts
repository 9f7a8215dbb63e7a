/**
 * Hostile NetFlow/IPFIX datagrams from a seeded PRNG, so that a failure names a seed that replays it: garbage,
 * real exports damaged, and the shapes that once grew the decoder without bound (template bombs, a new
 * observation domain in every datagram, data sets for templates that never come).
 */

const HOSTILE_KINDS = [
  'random',
  'truncated',
  'bit-flipped',
  'length-lie',
  'huge-template',
  'many-templates',
  'new-domain',
  'pending',
] as const;
type HostileKind = (typeof HOSTILE_KINDS)[number];

/** The largest UDP payload over IPv4, which loopback carries whole. */
const MAX_UDP = 65_507;

/** Out of 1000: most are cheap to send, the large bombs rare enough that the flood is not mostly their bytes. */
const WEIGHTS: Record<HostileKind, number> = {
  random: 240,
  truncated: 150,
  'bit-flipped': 150,
  'length-lie': 60,
  'huge-template': 5,
  'many-templates': 95,
  'new-domain': 150,
  pending: 150,
};

function header(ipfix: boolean, domain: number, sequence: number, length: number, count: number): Buffer {
  const b = Buffer.alloc(ipfix ? 16 : 20);
  if (ipfix) {
    b.writeUInt16BE(10, 0);
    b.writeUInt16BE(Math.min(length, 0xffff), 2);
    b.writeUInt32BE(Math.floor(Date.now() / 1000), 4);
    b.writeUInt32BE(sequence >>> 0, 8);
    b.writeUInt32BE(domain >>> 0, 12);
  } else {
    b.writeUInt16BE(9, 0);
    b.writeUInt16BE(count, 2);
    b.writeUInt32BE(3_600_000, 4);
    b.writeUInt32BE(Math.floor(Date.now() / 1000), 8);
    b.writeUInt32BE(sequence >>> 0, 12);
    b.writeUInt32BE(domain >>> 0, 16);
  }
  return b;
}

/** One message of one set (`setId` 0 or 2 for v9 or IPFIX templates, ≥ 256 for data). */
function message(ipfix: boolean, domain: number, setId: number, body: Buffer, count: number): Buffer {
  const set = Buffer.alloc(4);
  set.writeUInt16BE(setId, 0);
  set.writeUInt16BE(Math.min(4 + body.length, 0xffff), 2);
  const head = header(ipfix, domain, count, (ipfix ? 16 : 20) + 4 + body.length, count);
  return Buffer.concat([head, set, body]);
}

/** Template records: `templates` of `fields` fields each, with random element ids and lengths. */
function templates(random: (n: number) => number, count: number, fields: number): Buffer {
  const b = Buffer.alloc(count * (4 + 4 * fields));
  let o = 0;
  for (let t = 0; t < count; t++) {
    b.writeUInt16BE(256 + random(65_280), o);
    b.writeUInt16BE(fields, o + 2);
    o += 4;
    for (let f = 0; f < fields; f++) {
      b.writeUInt16BE(1 + random(400), o);
      b.writeUInt16BE(1 + random(16), o + 2);
      o += 4;
    }
  }
  return b;
}

function randomBytes(random: (n: number) => number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = random(256);
  return b;
}

function pick(random: (n: number) => number): HostileKind {
  let r = random(1000);
  for (const kind of HOSTILE_KINDS) {
    r -= WEIGHTS[kind];
    if (r < 0) return kind;
  }
  return 'random';
}

/** One hostile datagram; `corpus` holds real exports (v5, v9, IPFIX) to damage. */
export function hostileDatagram(random: (n: number) => number, corpus: Buffer[]): Buffer {
  const kind = pick(random);
  const ipfix = random(2) === 0;
  const real = () => corpus[random(corpus.length)] as Buffer;
  switch (kind) {
    case 'random': {
      const b = randomBytes(random, random(1500));
      // Half claim a version the decoder knows, so that they get past the first check.
      if (b.length >= 2 && random(2) === 0) b.writeUInt16BE([5, 9, 10][random(3)] as number, 0);
      return b;
    }
    case 'truncated': {
      const b = real();
      return Buffer.from(b.subarray(0, random(b.length)));
    }
    case 'bit-flipped': {
      const b = Buffer.from(real());
      const flips = 1 + random(8);
      for (let i = 0; i < flips && b.length > 0; i++) b[random(b.length)] ^= 1 << random(8);
      return b;
    }
    case 'length-lie': {
      // Headers and set headers, where lengths and counts live, are in the first 64 bytes.
      const b = Buffer.from(real());
      const o = random(Math.max(1, Math.min(64, b.length - 1)));
      if (o + 2 <= b.length) b.writeUInt16BE(random(4) === 0 ? 0 : random(65_536), o);
      return b;
    }
    case 'huge-template': {
      // One template of up to as many fields as a datagram holds (16,367), most beyond max_template_fields.
      const most = Math.floor((MAX_UDP - 28) / 4) - 1;
      const fields = 512 + random(most - 512);
      return message(ipfix, random(4), ipfix ? 2 : 0, templates(random, 1, fields), 1);
    }
    case 'many-templates': {
      // As many small templates as a datagram holds (8,184), most of the time up to 300.
      const fields = 1 + random(4);
      const count =
        random(64) === 0 ? 1 + random(Math.floor((MAX_UDP - 28) / (4 + 4 * fields))) : 1 + random(300);
      return message(ipfix, random(4), ipfix ? 2 : 0, templates(random, count, fields), count);
    }
    case 'new-domain': {
      // A domain (v9 source id) never seen before, holding a template or nothing at all.
      const domain = random(0x1_0000_0000);
      if (random(2) === 0) return header(ipfix, domain, 0, ipfix ? 16 : 20, 0);
      return message(ipfix, domain, ipfix ? 2 : 0, templates(random, 1, 1 + random(20)), 1);
    }
    default: {
      // Data sets waiting for a template that never comes.
      const body = randomBytes(random, 40 + random(1400));
      return message(ipfix, random(64), 256 + random(65_280), body, 1);
    }
  }
}
