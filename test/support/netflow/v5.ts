/** A NetFlow v5 datagram (Cisco's published layout) with one TCP flow, built by hand. */
export function netflowV5(now: number): Buffer {
  const buffer = Buffer.alloc(24 + 48);
  const uptime = 3_600_000;
  buffer.writeUInt16BE(5, 0);
  buffer.writeUInt16BE(1, 2);
  buffer.writeUInt32BE(uptime, 4);
  buffer.writeUInt32BE(Math.floor(now / 1000), 8);
  buffer.writeUInt32BE((now % 1000) * 1e6, 12);
  buffer.writeUInt32BE(1, 16);
  const r = 24;
  Buffer.from([10, 77, 0, 5]).copy(buffer, r);
  Buffer.from([203, 0, 113, 80]).copy(buffer, r + 4);
  buffer.writeUInt32BE(12, r + 16);
  buffer.writeUInt32BE(3456, r + 20);
  buffer.writeUInt32BE(uptime - 2000, r + 24);
  buffer.writeUInt32BE(uptime - 1000, r + 28);
  buffer.writeUInt16BE(51515, r + 32);
  buffer.writeUInt16BE(443, r + 34);
  buffer.writeUInt8(0x1b, r + 37);
  buffer.writeUInt8(6, r + 38);
  return buffer;
}
