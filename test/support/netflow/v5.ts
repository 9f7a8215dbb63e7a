/** One flow of a hand-built v5 datagram: a TCP flow from `source` to `destination`. */
export interface V5Flow {
  source: [number, number, number, number];
  destination: [number, number, number, number];
  sourcePort: number;
  destinationPort: number;
}

const HEADER = 24;
const RECORD = 48;

/** A NetFlow v5 datagram (Cisco's published layout) with up to 30 TCP flows, built by hand. */
export function netflowV5Flows(now: number, flows: V5Flow[], sequence = 1): Buffer {
  const buffer = Buffer.alloc(HEADER + RECORD * flows.length);
  const uptime = 3_600_000;
  buffer.writeUInt16BE(5, 0);
  buffer.writeUInt16BE(flows.length, 2);
  buffer.writeUInt32BE(uptime, 4);
  buffer.writeUInt32BE(Math.floor(now / 1000), 8);
  buffer.writeUInt32BE((now % 1000) * 1e6, 12);
  buffer.writeUInt32BE(sequence, 16);
  flows.forEach((flow, i) => {
    const r = HEADER + RECORD * i;
    Buffer.from(flow.source).copy(buffer, r);
    Buffer.from(flow.destination).copy(buffer, r + 4);
    buffer.writeUInt32BE(12, r + 16);
    buffer.writeUInt32BE(3456, r + 20);
    buffer.writeUInt32BE(uptime - 2000, r + 24);
    buffer.writeUInt32BE(uptime - 1000, r + 28);
    buffer.writeUInt16BE(flow.sourcePort, r + 32);
    buffer.writeUInt16BE(flow.destinationPort, r + 34);
    buffer.writeUInt8(0x1b, r + 37);
    buffer.writeUInt8(6, r + 38);
  });
  return buffer;
}

/** A NetFlow v5 datagram with one TCP flow. */
export function netflowV5(now: number): Buffer {
  return netflowV5Flows(now, [
    { source: [10, 77, 0, 5], destination: [203, 0, 113, 80], sourcePort: 51515, destinationPort: 443 },
  ]);
}
