/**
 * Datagrams packed into one ArrayBuffer, the unit the receiving thread hands to the decode worker: one transfer
 * per batch instead of one structured clone per datagram. Each datagram is a 15-byte header (data length u32,
 * received-at epoch ms f64, exporter port u16, address length u8), the exporter address in latin1, then the data.
 */
const HEADER = 15;
/** Largest UDP payload plus header and the longest address text: what `append` must always be able to fit. */
const MAX_ENTRY = 65_535 + HEADER + 255;

export interface PackedBatch {
  buffer: ArrayBuffer;
  packets: number;
}

export interface PackedDatagram {
  data: Buffer;
  address: string;
  port: number;
  receivedAt: number;
}

/**
 * Appends datagrams to a reusable staging buffer; `take` copies out exactly the bytes used, so a batch in flight
 * holds only its own datagrams (a few KB at low rates) while the staging buffer is allocated once.
 */
export class DatagramBatchWriter {
  private readonly staging: Buffer;
  private used = 0;
  private count = 0;

  constructor(capacity = 1024 * 1024) {
    this.staging = Buffer.allocUnsafe(Math.max(capacity, MAX_ENTRY));
  }

  get packets(): number {
    return this.count;
  }

  get bytes(): number {
    return this.used;
  }

  /** Whether a datagram of `length` bytes still fits; when not, `take` the batch first. */
  fits(length: number, address: string): boolean {
    return this.used + HEADER + address.length + length <= this.staging.length;
  }

  append(data: Buffer, address: string, port: number, receivedAt: number): void {
    const at = this.used;
    const buffer = this.staging;
    buffer.writeUInt32LE(data.length, at);
    buffer.writeDoubleLE(receivedAt, at + 4);
    buffer.writeUInt16LE(port, at + 12);
    const addressLength = buffer.write(address, at + HEADER, 255, 'latin1');
    buffer.writeUInt8(addressLength, at + 14);
    data.copy(buffer, at + HEADER + addressLength);
    this.used = at + HEADER + addressLength + data.length;
    this.count++;
  }

  take(): PackedBatch {
    const start = this.staging.byteOffset;
    const buffer = this.staging.buffer.slice(start, start + this.used) as ArrayBuffer;
    const batch = { buffer, packets: this.count };
    this.used = 0;
    this.count = 0;
    return batch;
  }
}

/** Calls `visit` for each datagram of a packed batch; `data` is a view into the batch, valid during the call. */
export function readDatagramBatch(buffer: ArrayBuffer, visit: (datagram: PackedDatagram) => void): void {
  const bytes = Buffer.from(buffer);
  let at = 0;
  while (at + HEADER <= bytes.length) {
    const length = bytes.readUInt32LE(at);
    const receivedAt = bytes.readDoubleLE(at + 4);
    const port = bytes.readUInt16LE(at + 12);
    const addressLength = bytes.readUInt8(at + 14);
    const address = bytes.toString('latin1', at + HEADER, at + HEADER + addressLength);
    const from = at + HEADER + addressLength;
    visit({ data: bytes.subarray(from, from + length), address, port, receivedAt });
    at = from + length;
  }
}

/**
 * Removes from a packed batch, in place, the datagrams whose exporter `keep` refuses, telling `onRefused` about
 * each; returns the batch that remains (a view on the same memory).
 */
export function filterDatagramBatch(
  batch: PackedBatch,
  keep: (address: string) => boolean,
  onRefused: (address: string, port: number) => void,
): PackedBatch {
  const bytes = Buffer.from(batch.buffer);
  let read = 0;
  let written = 0;
  let packets = 0;
  while (read + HEADER <= bytes.length) {
    const addressLength = bytes.readUInt8(read + 14);
    const size = HEADER + addressLength + bytes.readUInt32LE(read);
    const address = bytes.toString('latin1', read + HEADER, read + HEADER + addressLength);
    if (keep(address)) {
      if (written !== read) bytes.copyWithin(written, read, read + size);
      written += size;
      packets++;
    } else {
      onRefused(address, bytes.readUInt16LE(read + 12));
    }
    read += size;
  }
  return written === bytes.length ? batch : { buffer: batch.buffer.slice(0, written), packets };
}
