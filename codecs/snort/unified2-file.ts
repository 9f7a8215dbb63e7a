import { openStream } from '../../plugins/files/lines.js';
import type { FileContext } from '../../src/codec/types.js';
import type { PipelineRecord, SourceContext } from '../../src/pipeline/types.js';
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

/** Records handed to the pipeline per `emit`, so backpressure applies while a large file is read. */
const EMIT_BATCH = 1000;

/**
 * Reads a unified2 file to its end: each event becomes an alert with the packets logged after it (Snort writes
 * an event's packets right behind it). The alert's identity is the sensor, second and event id that Snort gave
 * it, so the same event read from a copy or a rotated file is the same document. Bad records are dead-lettered
 * with `file@byte-offset`; extra-data records (type 110: XFF, HTTP URI…) are not mapped.
 */
export async function ingestUnified2(file: FileContext, ctx: SourceContext): Promise<void> {
  let pending: { event: U2Event; packets: U2Packet[] } | undefined;
  let records: PipelineRecord[] = [];
  const fail = (offset: number, reason: string, raw?: Buffer) => {
    ctx.counters.recordsFailed();
    ctx.deadLetter({
      plugin: 'snort',
      reason,
      origin: `${file.path}@${offset}`,
      raw: raw?.toString('base64'),
    });
  };
  const complete = () => {
    if (pending === undefined) return;
    const { event, packets } = pending;
    pending = undefined;
    const identity = `u2:${event.sensorId}:${event.eventSecond}:${event.eventId}`;
    records.push(snortRecord(attachPackets(event.alert, packets), identity, file));
  };
  const handle = (record: U2Record) => {
    if (record.type === U2.PACKET) {
      const packet = parseU2Packet(record);
      const event = pending?.event;
      if (event === undefined || event.eventId !== packet.eventId || event.sensorId !== packet.sensorId)
        throw new Error(`unified2: packet of event ${packet.eventId}, which is not the one before it`);
      pending!.packets.push(packet);
    } else if (record.type !== U2.EXTRA_DATA) {
      complete();
      pending = { event: parseU2Event(record), packets: [] };
    }
  };
  const flush = async () => {
    const batch = records;
    records = [];
    ctx.counters.recordsIn(batch.length);
    await ctx.emit(batch);
  };

  const splitter = new U2Splitter();
  for await (const chunk of openStream(file.path, 0)) {
    let parsed: U2Record[];
    try {
      parsed = splitter.push(chunk);
    } catch (error) {
      fail(splitter.offset, (error as Error).message);
      break;
    }
    for (const record of parsed) {
      try {
        handle(record);
      } catch (error) {
        fail(record.offset, (error as Error).message, record.body);
      }
    }
    if (records.length >= EMIT_BATCH) await flush();
    if (ctx.signal.aborted) return;
  }
  complete();
  if (splitter.leftover > 0)
    fail(splitter.offset, `unified2: the file ends inside a record (${splitter.leftover} bytes)`);
  if (records.length > 0) await flush();
}
