import ipaddr from 'ipaddr.js';

/**
 * Writes small MaxMind DB (format 2.0) files for tests: an IPv6 search tree (IPv4 networks under ::/96, as
 * MaxMind's own databases hold them) with 32-bit records, and a data section of maps, strings, doubles and
 * unsigned integers. Enough for databases that look like GeoLite2-City/ASN to the readers users run.
 */
type Value = string | number | boolean | Value[] | { [key: string]: Value };

interface TreeNode {
  children: [TreeNode | number | undefined, TreeNode | number | undefined];
}

function control(type: number, size: number): Buffer {
  const parts: number[] = [];
  let sizeBits: number;
  const extra: number[] = [];
  if (size < 29) sizeBits = size;
  else if (size < 285) {
    sizeBits = 29;
    extra.push(size - 29);
  } else if (size < 65_821) {
    sizeBits = 30;
    const rest = size - 285;
    extra.push(rest >> 8, rest & 0xff);
  } else {
    sizeBits = 31;
    const rest = size - 65_821;
    extra.push((rest >> 16) & 0xff, (rest >> 8) & 0xff, rest & 0xff);
  }
  if (type <= 7) parts.push((type << 5) | sizeBits);
  else parts.push(sizeBits, type - 7);
  return Buffer.from([...parts, ...extra]);
}

function unsigned(type: number, value: number | bigint): Buffer {
  const bytes: number[] = [];
  let rest = BigInt(value);
  while (rest > 0n) {
    bytes.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  }
  return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)]);
}

function encode(value: Value, unsignedType = 6): Buffer {
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([control(2, text.length), text]);
  }
  if (typeof value === 'boolean') return control(14, value ? 1 : 0);
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value < 2 ** 32) return unsigned(unsignedType, value);
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value);
    return Buffer.concat([control(3, 8), bytes]);
  }
  if (Array.isArray(value)) return Buffer.concat([control(11, value.length), ...value.map((v) => encode(v))]);
  const entries = Object.entries(value);
  return Buffer.concat([
    control(7, entries.length),
    ...entries.flatMap(([key, v]) => [encode(key), encode(v)]),
  ]);
}

function bitsOf(cidr: string): { bytes: number[]; prefix: number } {
  const [address, prefix] = ipaddr.parseCIDR(cidr);
  if (address.kind() === 'ipv4') {
    return { bytes: [...new Array<number>(12).fill(0), ...address.toByteArray()], prefix: prefix + 96 };
  }
  return { bytes: address.toByteArray(), prefix };
}

/**
 * The database's bytes: each network (CIDR) maps to its record; `databaseType` as in the metadata. A network is
 * given after any that contain it.
 */
export function writeMmdb(databaseType: string, networks: Record<string, Value>): Buffer {
  const root: TreeNode = { children: [undefined, undefined] };
  const data: Buffer[] = [];
  let dataLength = 0;
  for (const [cidr, record] of Object.entries(networks)) {
    const encoded = encode(record);
    const offset = dataLength;
    data.push(encoded);
    dataLength += encoded.length;
    const { bytes, prefix } = bitsOf(cidr);
    let node = root;
    for (let i = 0; i < prefix; i++) {
      const bit = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
      if (i === prefix - 1) {
        node.children[bit] = offset;
        break;
      }
      let next = node.children[bit];
      if (typeof next !== 'object') {
        next = { children: [next, next] };
        node.children[bit] = next;
      }
      node = next;
    }
  }
  const nodes: TreeNode[] = [];
  const numbers = new Map<TreeNode, number>();
  const visit = (node: TreeNode) => {
    numbers.set(node, nodes.length);
    nodes.push(node);
    for (const child of node.children) if (typeof child === 'object') visit(child);
  };
  visit(root);
  const nodeCount = nodes.length;
  const tree = Buffer.alloc(nodeCount * 8);
  nodes.forEach((node, i) => {
    node.children.forEach((child, side) => {
      const record =
        child === undefined
          ? nodeCount
          : typeof child === 'number'
            ? nodeCount + 16 + child
            : (numbers.get(child) as number);
      tree.writeUInt32BE(record, i * 8 + side * 4);
    });
  });
  const metadata = Buffer.concat([
    control(7, 9),
    encode('node_count'),
    unsigned(6, nodeCount),
    encode('record_size'),
    unsigned(5, 32),
    encode('ip_version'),
    unsigned(5, 6),
    encode('database_type'),
    encode(databaseType),
    encode('languages'),
    encode(['en']),
    encode('binary_format_major_version'),
    unsigned(5, 2),
    encode('binary_format_minor_version'),
    unsigned(5, 0),
    encode('build_epoch'),
    unsigned(9, Math.floor(Date.now() / 1000)),
    encode('description'),
    encode({ en: 'flowtrail test database' }),
  ]);
  return Buffer.concat([
    tree,
    Buffer.alloc(16),
    ...data,
    Buffer.from([0xab, 0xcd, 0xef]),
    Buffer.from('MaxMind.com', 'latin1'),
    metadata,
  ]);
}
