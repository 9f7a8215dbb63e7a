import type { ByteDecoder, ByteOutput, StreamInfo } from '../../src/codec/types.js';
import { snortRecord } from './alert.js';
import {
  attachPackets,
  parseU2Event,
  parseU2Packet,
  U2,
  type U2Event,
  type U2Packet,
  type U2Record,
  U2Splitter,
} from './unified2.js';

/**
 * A unified2 file: each event becomes an alert with the packets logged after it (Snort writes an event's packets
 * right behind it). The alert's identity is the sensor, second and event id that Snort gave it, so the same event
 * read from a copy or a rotated file is the same document. Extra-data records (type 110: XFF, HTTP URI…) are not
 * mapped.
 */
export class Unified2Decoder implements ByteDecoder {
  private readonly splitter = new U2Splitter();
  private pending: { event: U2Event; packets: U2Packet[] } | undefined;

  constructor(private readonly stream: StreamInfo) {}

  push(chunk: Buffer, out: ByteOutput): boolean {
    let parsed: U2Record[];
    try {
      parsed = this.splitter.push(chunk);
    } catch (error) {
      out.failed(this.splitter.offset, (error as Error).message);
      return false;
    }
    for (const record of parsed) {
      try {
        this.handle(record, out);
      } catch (error) {
        out.failed(record.offset, (error as Error).message, record.body);
      }
    }
    return true;
  }

  end(out: ByteOutput): void {
    this.complete(out);
    const leftover = this.splitter.leftover;
    if (leftover > 0)
      out.failed(this.splitter.offset, `unified2: the file ends inside a record (${leftover} bytes)`);
  }

  private handle(record: U2Record, out: ByteOutput): void {
    if (record.type === U2.PACKET) {
      const packet = parseU2Packet(record);
      const event = this.pending?.event;
      if (event === undefined || event.eventId !== packet.eventId || event.sensorId !== packet.sensorId)
        throw new Error(`unified2: packet of event ${packet.eventId}, which is not the one before it`);
      this.pending!.packets.push(packet);
    } else if (record.type !== U2.EXTRA_DATA) {
      this.complete(out);
      this.pending = { event: parseU2Event(record), packets: [] };
    }
  }

  private complete(out: ByteOutput): void {
    if (this.pending === undefined) return;
    const { event, packets } = this.pending;
    this.pending = undefined;
    const identity = `u2:${event.sensorId}:${event.eventSecond}:${event.eventId}`;
    out.records.push(snortRecord(attachPackets(event.alert, packets), identity, this.stream));
  }
}
