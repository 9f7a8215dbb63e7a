/**
 * An IPFIX message (issue 12) with a template (source and destination IPv4 address, flowEndMilliseconds) and one
 * data record of 10.0.0.1 -> 10.0.0.2 whose end is 2^62 ms, beyond any date: it once stopped the collector.
 */
export const POISON_IPFIX = Buffer.from(
  '000a00386b1003060000000000000000000200140100000300080004000c000400990008010000140a0000010a0000024000000000000000',
  'hex',
);

/**
 * The same message with a second record, 10.0.0.3 -> 10.0.0.4 ending at `endMs`: what a datagram with one bad
 * record among good ones looks like.
 */
export function poisonWithGoodRecord(endMs: number): Buffer {
  const good = Buffer.alloc(16);
  good.writeUInt32BE(0x0a000003, 0);
  good.writeUInt32BE(0x0a000004, 4);
  good.writeBigUInt64BE(BigInt(endMs), 8);
  const message = Buffer.concat([POISON_IPFIX, good]);
  message.writeUInt16BE(message.length, 2);
  // The data set (after the 16-byte header and the 20-byte template set) grows by the record.
  message.writeUInt16BE(message.readUInt16BE(38) + good.length, 38);
  return message;
}
