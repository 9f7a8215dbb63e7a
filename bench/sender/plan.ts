/**
 * A send plan: the datagrams one loop of the paced sender (bench/sender/paced-sender.c) sends, in order, each with
 * where its sequence number and times sit. A loop holds as many rounds of every stream as it takes to pass the
 * native receiver's ring once, each round with its sequence numbers moved on, and interleaves them so that one
 * entry ends exactly at the ring's end (see ring-order.ts). The sender moves sequence numbers on by a whole loop and
 * times to the clock every loop.
 *
 * File layout (little-endian): "FTPLAN01", u32 streams, u32 datagrams; per stream: u32 IPv4 source address,
 * u32 base export time (Unix seconds), u16 name length, name; per datagram: u16 stream, u16 length,
 * u16 sequence offset (0xffff: none), u32 sequence step per loop, u16 flow records on the first loop,
 * u16 flow records on later loops, u16 time fields, per time field u16 offset and u8 unit (0 seconds,
 * 1 milliseconds in 64 bits), then the payload.
 */
import { NetflowDecoder } from '../../plugins/netflow/decode/decoder.js';
import { type ExportFields, exportFields, StreamTemplates } from './export-fields.js';
import { type Placement, ringOrder } from './ring-order.js';
import type { ExportStream } from './streams.js';

export interface PlannedStream {
  name: string;
  /** Dotted IPv4 source address the sender uses for the stream. */
  address: string;
  baseSeconds: number;
}

export interface PlannedDatagram {
  stream: number;
  payload: Buffer;
  fields: ExportFields | undefined;
  sequenceStepPerLoop: number;
  firstLoopRecords: number;
  laterLoopRecords: number;
}

export interface SendPlan {
  streams: PlannedStream[];
  datagrams: PlannedDatagram[];
  rounds: number;
  exactFitAt: number | undefined;
}

/** 127.0.X.Y with Y from 10 to 99: every address is ten characters long, as the ring order assumes. */
export function streamAddress(index: number): string {
  return `127.0.${Math.floor(index / 90)}.${10 + (index % 90)}`;
}

interface StreamFacts {
  fields: Array<ExportFields | undefined>;
  /** Per domain: how far one round moves the sequence on, so that rounds never repeat a sequence number. */
  roundStep: Map<number, number>;
  baseSeconds: number;
  firstRecords: number[];
  laterRecords: number[];
}

function streamFacts(stream: ExportStream, address: string): StreamFacts {
  const templates = new StreamTemplates();
  const fields = stream.payloads.map((p) => exportFields(p, templates));
  const span = new Map<number, { low: number; high: number; step: number }>();
  for (const f of fields) {
    if (!f) continue;
    const seen = span.get(f.domain);
    if (!seen) span.set(f.domain, { low: f.sequence, high: f.sequence, step: f.sequenceStep });
    else {
      seen.low = Math.min(seen.low, f.sequence);
      if (f.sequence >= seen.high) {
        seen.high = f.sequence;
        seen.step = f.sequenceStep;
      }
    }
  }
  const roundStep = new Map([...span].map(([domain, s]) => [domain, s.high - s.low + Math.max(1, s.step)]));
  const decoder = new NetflowDecoder();
  const flowRecords = (p: Buffer) =>
    decoder.decode(p, address, 2055).records.filter((r) => !r.template.isOptions).length;
  const firstRecords = stream.payloads.map(flowRecords);
  const laterRecords = stream.payloads.map(flowRecords);
  const times = fields.flatMap((f) => (f ? [f.exportSeconds] : []));
  return { fields, roundStep, baseSeconds: Math.min(...times), firstRecords, laterRecords };
}

/** The payload of `index` in `round`, its sequence moved on by the rounds before it. */
function roundPayload(
  payload: Buffer,
  fields: ExportFields | undefined,
  step: number,
  round: number,
): Buffer {
  if (!fields || round === 0) return payload;
  const copy = Buffer.from(payload);
  copy.writeUInt32BE((fields.sequence + round * step) >>> 0, fields.sequenceOffset);
  return copy;
}

export function buildPlan(streams: ExportStream[], ringBytes: number): SendPlan {
  const planned = streams.map((s, i) => ({ name: s.name, address: streamAddress(i) }));
  const facts = streams.map((s, i) => streamFacts(s, planned[i].address));
  const order = ringOrder(
    streams.map((s, i) => ({
      sizes: s.payloads.map((p) => p.length),
      addressLength: planned[i].address.length,
    })),
    ringBytes,
  );
  const datagrams = order.placements.map(({ stream, index, round }: Placement): PlannedDatagram => {
    const f = facts[stream];
    const fields = f.fields[index];
    const step = fields ? (f.roundStep.get(fields.domain) ?? 1) : 0;
    return {
      stream,
      payload: roundPayload(streams[stream].payloads[index], fields, step, round),
      fields,
      sequenceStepPerLoop: (step * order.rounds) >>> 0,
      firstLoopRecords: round === 0 ? f.firstRecords[index] : f.laterRecords[index],
      laterLoopRecords: f.laterRecords[index],
    };
  });
  return {
    streams: planned.map((p, i) => ({ ...p, baseSeconds: facts[i].baseSeconds })),
    datagrams,
    rounds: order.rounds,
    exactFitAt: order.exactFitAt,
  };
}

export function encodePlan(plan: SendPlan): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(16);
  head.write('FTPLAN01', 0, 'latin1');
  head.writeUInt32LE(plan.streams.length, 8);
  head.writeUInt32LE(plan.datagrams.length, 12);
  parts.push(head);
  for (const s of plan.streams) {
    const name = Buffer.from(s.name);
    const b = Buffer.alloc(10);
    const [a, b1, c, d] = s.address.split('.').map(Number);
    b.writeUInt32LE(((a << 24) | (b1 << 16) | (c << 8) | d) >>> 0, 0);
    b.writeUInt32LE(s.baseSeconds >>> 0, 4);
    b.writeUInt16LE(name.length, 8);
    parts.push(b, name);
  }
  for (const d of plan.datagrams) {
    const times = d.fields?.times ?? [];
    const b = Buffer.alloc(16 + 3 * times.length);
    b.writeUInt16LE(d.stream, 0);
    b.writeUInt16LE(d.payload.length, 2);
    b.writeUInt16LE(d.fields ? d.fields.sequenceOffset : 0xffff, 4);
    b.writeUInt32LE(d.sequenceStepPerLoop, 6);
    b.writeUInt16LE(d.firstLoopRecords, 10);
    b.writeUInt16LE(d.laterLoopRecords, 12);
    b.writeUInt16LE(times.length, 14);
    times.forEach((t, i) => {
      b.writeUInt16LE(t.offset, 16 + 3 * i);
      b.writeUInt8(t.unit === 'seconds' ? 0 : 1, 18 + 3 * i);
    });
    parts.push(b, d.payload);
  }
  return Buffer.concat(parts);
}
