/** IPFIX messages (RFC 7011) built by hand, for tests that need many or unusual ones. */

export interface FieldSpec {
  id: number;
  length: number;
  pen?: number;
}

function set(id: number, body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(4 + body.length, 2);
  return Buffer.concat([header, body]);
}

/** A message of `sets` from observation domain `domainId`. */
export function ipfixMessage(domainId: number, sequence: number, exportMs: number, sets: Buffer[]): Buffer {
  const header = Buffer.alloc(16);
  const length = 16 + sets.reduce((n, s) => n + s.length, 0);
  header.writeUInt16BE(10, 0);
  header.writeUInt16BE(length, 2);
  header.writeUInt32BE(Math.floor(exportMs / 1000), 4);
  header.writeUInt32BE(sequence >>> 0, 8);
  header.writeUInt32BE(domainId >>> 0, 12);
  return Buffer.concat([header, ...sets]);
}

/** A template set defining each template. */
export function templateSet(templates: Array<{ id: number; fields: FieldSpec[] }>): Buffer {
  const parts: Buffer[] = [];
  for (const { id, fields } of templates) {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(id, 0);
    head.writeUInt16BE(fields.length, 2);
    parts.push(head);
    for (const f of fields) {
      const spec = Buffer.alloc(f.pen ? 8 : 4);
      spec.writeUInt16BE(f.pen ? f.id | 0x8000 : f.id, 0);
      spec.writeUInt16BE(f.length, 2);
      if (f.pen) spec.writeUInt32BE(f.pen, 4);
      parts.push(spec);
    }
  }
  return set(2, Buffer.concat(parts));
}

export function dataSet(templateId: number, records: Buffer[]): Buffer {
  return set(templateId, Buffer.concat(records));
}

/** The fields of `flowRecord`: addresses, ports, protocol, counters, start and end in epoch ms. */
export const FLOW_FIELDS: FieldSpec[] = [
  { id: 8, length: 4 },
  { id: 12, length: 4 },
  { id: 7, length: 2 },
  { id: 11, length: 2 },
  { id: 4, length: 1 },
  { id: 1, length: 8 },
  { id: 2, length: 8 },
  { id: 152, length: 8 },
  { id: 153, length: 8 },
];

export interface Flow {
  source: string;
  destination: string;
  sourcePort: number;
  destinationPort: number;
  protocol: number;
  bytes: number;
  packets: number;
  start: number;
  end: number;
}

function ipv4(text: string): Buffer {
  return Buffer.from(text.split('.').map(Number));
}

/** One record of a template of `FLOW_FIELDS`. */
export function flowRecord(f: Flow): Buffer {
  const b = Buffer.alloc(45);
  ipv4(f.source).copy(b, 0);
  ipv4(f.destination).copy(b, 4);
  b.writeUInt16BE(f.sourcePort, 8);
  b.writeUInt16BE(f.destinationPort, 10);
  b.writeUInt8(f.protocol, 12);
  b.writeBigUInt64BE(BigInt(f.bytes), 13);
  b.writeBigUInt64BE(BigInt(f.packets), 21);
  b.writeBigUInt64BE(BigInt(f.start), 29);
  b.writeBigUInt64BE(BigInt(f.end), 37);
  return b;
}

/** `count` fields of 4 bytes, distinct enough that no two templates built from them are alike. */
export function manyFields(count: number, salt = 0): FieldSpec[] {
  return Array.from({ length: count }, (_, i) => ({ id: 1 + ((i + salt) % 400), length: 4 }));
}

/** An options template set (set id 3): each template's first `scope` fields are its scope. */
export function optionsTemplateSet(
  templates: Array<{ id: number; scope: number; fields: FieldSpec[] }>,
): Buffer {
  const parts: Buffer[] = [];
  for (const { id, scope, fields } of templates) {
    const head = Buffer.alloc(6);
    head.writeUInt16BE(id, 0);
    head.writeUInt16BE(fields.length, 2);
    head.writeUInt16BE(scope, 4);
    parts.push(head);
    for (const f of fields) {
      const spec = Buffer.alloc(4);
      spec.writeUInt16BE(f.id, 0);
      spec.writeUInt16BE(f.length, 2);
      parts.push(spec);
    }
  }
  return set(3, Buffer.concat(parts));
}

/** `text` in a fixed-length field of `length` bytes, NUL padded, as exporters send names. */
export function fixedText(text: string, length: number): Buffer {
  const b = Buffer.alloc(length);
  b.write(text.slice(0, length), 'utf8');
  return b;
}
