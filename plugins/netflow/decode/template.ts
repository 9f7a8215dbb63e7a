import { formatHex, formatIpv4, formatIpv6, formatMac } from '../../../src/schema/address-text.js';
import type { ElementInfo } from '../registry/index.js';
import { lookupElement, REVERSE_PEN, V9_SCOPE_PEN } from '../registry/index.js';

/** A decoded field: numbers (counters, ids, epoch ms for dateTime types), text (addresses, strings, hex), booleans. */
export type FieldValue = number | string | boolean | undefined;

/** IPFIX/v9 field length meaning "variable": the record carries a 1-byte (or 0xFF + 2-byte) length prefix. */
export const VARIABLE_LENGTH = 0xffff;

/** How a field's bytes become a value; chosen once per template from abstract type and length. */
enum Kind {
  Skip,
  U8,
  U16,
  U32,
  UInt,
  Int,
  F32,
  F64,
  Bool,
  Ipv4,
  Ipv6,
  Mac,
  Str,
  Hex,
  Seconds,
  Ntp,
}

export interface TemplateField {
  pen: number;
  id: number;
  length: number;
}

/** Positions of the fields the producer and the sampling logic look for; -1 when the template lacks them. */
export interface WellKnown {
  srcIpv4: number;
  dstIpv4: number;
  srcIpv6: number;
  dstIpv6: number;
  srcPort: number;
  dstPort: number;
  protocol: number;
  octetDelta: number;
  packetDelta: number;
  octetTotal: number;
  packetTotal: number;
  initiatorOctets: number;
  responderOctets: number;
  initiatorPackets: number;
  responderPackets: number;
  reverseOctetDelta: number;
  reversePacketDelta: number;
  reverseOctetTotal: number;
  reversePacketTotal: number;
  srcMac: number;
  dstMac: number;
  postSrcMac: number;
  postDstMac: number;
  vlan: number;
  dot1qVlan: number;
  tcpFlags: number;
  icmpTypeCode4: number;
  icmpTypeCode6: number;
  icmpType4: number;
  icmpCode4: number;
  icmpType6: number;
  icmpCode6: number;
  startUptime: number;
  endUptime: number;
  startSeconds: number;
  endSeconds: number;
  startMillis: number;
  endMillis: number;
  startMicros: number;
  endMicros: number;
  startNanos: number;
  endNanos: number;
  startDeltaMicros: number;
  endDeltaMicros: number;
  durationMillis: number;
  durationMicros: number;
  biflowDirection: number;
  flowId: number;
  samplerId: number;
  selectorId: number;
  samplingInterval: number;
  samplerRandomInterval: number;
  samplingPacketInterval: number;
  samplingPacketSpace: number;
  samplingProbability: number;
  samplingSize: number;
  samplingPopulation: number;
  systemInitMillis: number;
  ingressInterface: number;
  egressInterface: number;
  interfaceName: number;
  interfaceDescription: number;
  applicationId: number;
  applicationName: number;
  applicationDescription: number;
  /** v9 options scope "Interface" (RFC 3954 §6.1): the options describe the interface of that ifIndex. */
  interfaceScope: number;
}

const WELL_KNOWN: Record<keyof WellKnown, [pen: number, id: number]> = {
  srcIpv4: [0, 8],
  dstIpv4: [0, 12],
  srcIpv6: [0, 27],
  dstIpv6: [0, 28],
  srcPort: [0, 7],
  dstPort: [0, 11],
  protocol: [0, 4],
  octetDelta: [0, 1],
  packetDelta: [0, 2],
  octetTotal: [0, 85],
  packetTotal: [0, 86],
  initiatorOctets: [0, 231],
  responderOctets: [0, 232],
  initiatorPackets: [0, 298],
  responderPackets: [0, 299],
  reverseOctetDelta: [REVERSE_PEN, 1],
  reversePacketDelta: [REVERSE_PEN, 2],
  reverseOctetTotal: [REVERSE_PEN, 85],
  reversePacketTotal: [REVERSE_PEN, 86],
  srcMac: [0, 56],
  dstMac: [0, 80],
  postSrcMac: [0, 81],
  postDstMac: [0, 57],
  vlan: [0, 58],
  dot1qVlan: [0, 243],
  tcpFlags: [0, 6],
  icmpTypeCode4: [0, 32],
  icmpTypeCode6: [0, 139],
  icmpType4: [0, 176],
  icmpCode4: [0, 177],
  icmpType6: [0, 178],
  icmpCode6: [0, 179],
  startUptime: [0, 22],
  endUptime: [0, 21],
  startSeconds: [0, 150],
  endSeconds: [0, 151],
  startMillis: [0, 152],
  endMillis: [0, 153],
  startMicros: [0, 154],
  endMicros: [0, 155],
  startNanos: [0, 156],
  endNanos: [0, 157],
  startDeltaMicros: [0, 158],
  endDeltaMicros: [0, 159],
  durationMillis: [0, 161],
  durationMicros: [0, 162],
  biflowDirection: [0, 239],
  flowId: [0, 148],
  samplerId: [0, 48],
  selectorId: [0, 302],
  samplingInterval: [0, 34],
  samplerRandomInterval: [0, 50],
  samplingPacketInterval: [0, 305],
  samplingPacketSpace: [0, 306],
  samplingProbability: [0, 311],
  samplingSize: [0, 309],
  samplingPopulation: [0, 310],
  systemInitMillis: [0, 160],
  ingressInterface: [0, 10],
  egressInterface: [0, 14],
  interfaceName: [0, 82],
  interfaceDescription: [0, 83],
  applicationId: [0, 95],
  applicationName: [0, 96],
  applicationDescription: [0, 94],
  interfaceScope: [V9_SCOPE_PEN, 2],
};

export interface CompiledTemplate {
  id: number;
  /** Number of leading scope fields; > 0 only for options templates. */
  scopeCount: number;
  isOptions: boolean;
  fields: TemplateField[];
  info: ElementInfo[];
  kinds: Uint8Array;
  lengths: Uint16Array;
  /** Offset of each field inside a record; only meaningful when `fixedLength` >= 0. */
  offsets: Uint32Array;
  /** Record size when no field has variable length, else -1. */
  fixedLength: number;
  /** Smallest possible record (variable fields counted as their 1-byte prefix). */
  minLength: number;
  /** `pen:id:length,…`: two announcements with the same signature are the same template. */
  signature: string;
  /** Per field, how the producer writes it: `FIELD_PLAIN`, `FIELD_DATE` (epoch ms shown as ISO) or `FIELD_PADDING`. */
  output: Uint8Array;
  at: WellKnown;
}

export const FIELD_PLAIN = 0;
export const FIELD_DATE = 1;
export const FIELD_PADDING = 2;
const PADDING_ID = 210;

function kindOf(info: ElementInfo, length: number): Kind {
  if (length === 0) return Kind.Skip;
  switch (info.type) {
    case 'unsigned8':
    case 'unsigned16':
    case 'unsigned32':
    case 'unsigned64':
    case 'dateTimeMilliseconds':
      if (length === 1) return Kind.U8;
      if (length === 2) return Kind.U16;
      if (length === 4) return Kind.U32;
      return length <= 8 ? Kind.UInt : Kind.Hex;
    case 'signed8':
    case 'signed16':
    case 'signed32':
    case 'signed64':
      return length <= 6 ? Kind.Int : Kind.Hex;
    case 'float32':
    case 'float64':
      return length === 4 ? Kind.F32 : length === 8 ? Kind.F64 : Kind.Hex;
    case 'boolean':
      return length === 1 ? Kind.Bool : Kind.Hex;
    case 'ipv4Address':
      return length === 4 ? Kind.Ipv4 : Kind.Hex;
    case 'ipv6Address':
      return length === 16 ? Kind.Ipv6 : length === 4 ? Kind.Ipv4 : Kind.Hex;
    case 'macAddress':
      return length === 6 ? Kind.Mac : Kind.Hex;
    case 'string':
      return Kind.Str;
    case 'dateTimeSeconds':
      return length === 4 ? Kind.Seconds : Kind.Hex;
    case 'dateTimeMicroseconds':
    case 'dateTimeNanoseconds':
      return length === 8 ? Kind.Ntp : Kind.Hex;
    default:
      // octetArray and the RFC 6313 list types (kept raw: their inner templates are rarely useful downstream).
      return Kind.Hex;
  }
}

export function templateSignature(fields: TemplateField[], scopeCount: number, isOptions: boolean): string {
  let signature = `${isOptions ? 'o' : 't'}${scopeCount}|`;
  for (const f of fields) signature += `${f.pen}:${f.id}:${f.length},`;
  return signature;
}

export function compileTemplate(
  id: number,
  fields: TemplateField[],
  scopeCount: number,
  isOptions: boolean,
  v9: boolean,
): CompiledTemplate {
  const n = fields.length;
  const info: ElementInfo[] = new Array(n);
  const kinds = new Uint8Array(n);
  const lengths = new Uint16Array(n);
  const offsets = new Uint32Array(n);
  const output = new Uint8Array(n);
  let offset = 0;
  let variable = false;
  let minLength = 0;
  const at = {} as WellKnown;
  for (const key of Object.keys(WELL_KNOWN) as Array<keyof WellKnown>) at[key] = -1;
  for (let i = 0; i < n; i++) {
    const f = fields[i];
    info[i] = lookupElement(f.pen, f.id, v9);
    lengths[i] = f.length;
    kinds[i] = f.length === VARIABLE_LENGTH ? Kind.Skip : kindOf(info[i], f.length);
    offsets[i] = offset;
    if (info[i].pen === 0 && info[i].id === PADDING_ID) output[i] = FIELD_PADDING;
    else if (info[i].type.startsWith('dateTime')) output[i] = FIELD_DATE;
    if (f.length === VARIABLE_LENGTH) {
      variable = true;
      minLength += 1;
    } else {
      offset += f.length;
      minLength += f.length;
    }
  }
  for (const key of Object.keys(WELL_KNOWN) as Array<keyof WellKnown>) {
    const [pen, elementId] = WELL_KNOWN[key];
    at[key] = fields.findIndex((f) => f.pen === pen && f.id === elementId && f.length > 0);
  }
  return {
    id,
    scopeCount,
    isOptions,
    fields,
    info,
    kinds,
    lengths,
    offsets,
    fixedLength: variable ? -1 : offset,
    minLength,
    signature: templateSignature(fields, scopeCount, isOptions),
    output,
    at,
  };
}

function readUnsigned(b: Uint8Array, o: number, length: number): number {
  let value = 0;
  for (let i = 0; i < length; i++) value = value * 256 + b[o + i];
  return value;
}

function readSigned(b: Buffer, o: number, length: number): number {
  return b.readIntBE(o, length);
}

/** NTP format (RFC 7011 §6.1.9/10): seconds since 1900 and a binary fraction; returned as epoch ms. */
function readNtp(b: Uint8Array, o: number): number {
  const seconds = readUnsigned(b, o, 4);
  const fraction = readUnsigned(b, o + 4, 4);
  return (seconds - 2208988800) * 1000 + (fraction / 4294967296) * 1000;
}

function readString(b: Buffer, o: number, length: number): string {
  let end = o + length;
  // Fixed-size string fields are NUL-padded; the padding is not part of the value.
  while (end > o && b[end - 1] === 0) end--;
  return b.toString('utf8', o, end);
}

function readValue(kind: number, b: Buffer, o: number, length: number): FieldValue {
  switch (kind) {
    case Kind.U8:
      return b[o];
    case Kind.U16:
      return (b[o] << 8) | b[o + 1];
    case Kind.U32:
      return ((b[o] << 24) >>> 0) + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
    case Kind.UInt:
      return readUnsigned(b, o, length);
    case Kind.Int:
      return readSigned(b, o, length);
    case Kind.F32:
      return b.readFloatBE(o);
    case Kind.F64:
      return b.readDoubleBE(o);
    case Kind.Bool:
      return b[o] === 1;
    case Kind.Ipv4:
      return formatIpv4(b, o);
    case Kind.Ipv6:
      return formatIpv6(b, o);
    case Kind.Mac:
      return formatMac(b, o);
    case Kind.Str:
      return readString(b, o, length);
    case Kind.Seconds:
      return readUnsigned(b, o, 4) * 1000;
    case Kind.Ntp:
      return readNtp(b, o);
    case Kind.Skip:
      return undefined;
    default:
      return formatHex(b, o, length);
  }
}

/**
 * Reads one record at `offset` into `values`. Returns the offset after it, or -1 when the record does not fit
 * before `end` (a truncated set, or the padding that may follow the last record).
 */
export function readRecord(
  t: CompiledTemplate,
  b: Buffer,
  offset: number,
  end: number,
  values: FieldValue[],
): number {
  const kinds = t.kinds;
  const lengths = t.lengths;
  const n = kinds.length;
  if (t.fixedLength >= 0) {
    if (offset + t.fixedLength > end) return -1;
    const offsets = t.offsets;
    for (let i = 0; i < n; i++) values[i] = readValue(kinds[i], b, offset + offsets[i], lengths[i]);
    return offset + t.fixedLength;
  }
  let o = offset;
  for (let i = 0; i < n; i++) {
    let length = lengths[i];
    let kind = kinds[i];
    if (length === VARIABLE_LENGTH) {
      if (o + 1 > end) return -1;
      length = b[o++];
      if (length === 255) {
        if (o + 2 > end) return -1;
        length = (b[o] << 8) | b[o + 1];
        o += 2;
      }
      kind = length === 0 ? Kind.Skip : kindOf(t.info[i], length);
    }
    if (o + length > end) return -1;
    values[i] = readValue(kind, b, o, length);
    o += length;
  }
  return o;
}
