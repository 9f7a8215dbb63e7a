/**
 * GoFlow2's `-format=bin`: each message one `flowpb.FlowMessage` preceded by its length as a varint (GoFlow2 v2
 * marshals with protodelim; a Kafka message holds exactly one). Decoded by hand: the message is flat (varints,
 * addresses as bytes, a few packed lists), so a reader of its wire format fills the stream's GoflowMessage directly,
 * without generated classes, a code generator in the build, or 64-bit integer objects for its nanosecond times.
 */
import { ParseError } from '../../src/errors.js';
import { formatIpv4, formatIpv6, formatMac } from '../../src/schema/address-text.js';
import type { GoflowMessage } from './message.js';

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** A MAC address in the low 48 bits of a uint64, as GoFlow2 stores it. */
const macBytes = new Uint8Array(6);

function macText(value: number): string {
  if (value === 0) return '';
  let rest = value;
  for (let i = 5; i >= 0; i--) {
    macBytes[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return formatMac(macBytes, 0);
}

/** Reads one message's wire format; positions are offsets into `data`. */
class WireReader {
  data: Uint8Array = new Uint8Array(0);
  at = 0;
  end = 0;

  /**
   * A varint as a number: exact up to 2^53, and within a few hundred of the value beyond (nanosecond times,
   * which are kept to the microsecond).
   */
  varint(): number {
    const { data } = this;
    if (this.at >= this.end) throw new ParseError('goflow2: protobuf message cut short in a varint');
    let byte = data[this.at++];
    if (byte < 0x80) return byte;
    let value = byte & 0x7f;
    let scale = 128;
    for (let i = 1; i < 10; i++) {
      if (this.at >= this.end) throw new ParseError('goflow2: protobuf message cut short in a varint');
      byte = data[this.at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw new ParseError('goflow2: protobuf varint longer than 10 bytes');
  }

  /** The length of a length-delimited field, checked against what is left. */
  length(): number {
    const length = this.varint();
    if (length > this.end - this.at) throw new ParseError('goflow2: protobuf field longer than its message');
    return length;
  }

  address(): string {
    const length = this.length();
    const at = this.at;
    this.at += length;
    if (length === 4) return formatIpv4(this.data, at);
    if (length === 16) return formatIpv6(this.data, at);
    // GoFlow2 itself renders any other length as no address.
    return '';
  }

  /** A repeated uint32: packed (as GoFlow2 writes it) or one value per field. */
  repeated(wireType: number, into: number[]): void {
    if (wireType === VARINT) {
      into.push(this.varint());
      return;
    }
    const length = this.length();
    const stop = this.at + length;
    const end = this.end;
    this.end = stop;
    while (this.at < stop) into.push(this.varint());
    this.end = end;
  }

  skip(wireType: number): void {
    let next: number;
    if (wireType === VARINT) {
      this.varint();
      return;
    }
    if (wireType === LENGTH_DELIMITED) {
      const length = this.length();
      next = this.at + length;
    } else if (wireType === FIXED64) next = this.at + 8;
    else if (wireType === FIXED32) next = this.at + 4;
    else throw new ParseError(`goflow2: protobuf wire type ${wireType} is not one FlowMessage uses`);
    if (next > this.end) throw new ParseError('goflow2: protobuf field longer than its message');
    this.at = next;
  }
}

const reader = new WireReader();

/** Fills `m` (cleared first) from one length-delimited FlowMessage; throws ParseError on anything else. */
export function readProtobufMessage(value: Uint8Array, m: GoflowMessage): void {
  m.clear();
  const r = reader;
  r.data = value;
  r.at = 0;
  r.end = value.length;
  if (value.length === 0) throw new ParseError('goflow2: empty message');
  const length = r.varint();
  if (length !== r.end - r.at)
    throw new ParseError(
      `goflow2: not a length-delimited FlowMessage (its varint prefix says ${length} bytes, ${r.end - r.at} follow): produce with goflow2 v2 -format=bin`,
    );
  while (r.at < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 0) throw new ParseError('goflow2: protobuf field number 0 (not a FlowMessage)');
    if (wireType === LENGTH_DELIMITED) {
      switch (field) {
        case 11:
          m.samplerAddress = r.address();
          continue;
        case 6:
          m.srcAddr = r.address();
          continue;
        case 7:
          m.dstAddr = r.address();
          continue;
        case 12:
          m.nextHop = r.address();
          continue;
        case 100:
          m.bgpNextHop = r.address();
          continue;
      }
    }
    if (
      (field === 101 || field === 102 || field === 81) &&
      (wireType === VARINT || wireType === LENGTH_DELIMITED)
    ) {
      r.repeated(wireType, field === 101 ? m.bgpCommunities : field === 102 ? m.asPath : m.mplsLabel);
      continue;
    }
    if (wireType !== VARINT) {
      r.skip(wireType);
      continue;
    }
    const v = r.varint();
    switch (field) {
      case 1:
        m.type = v;
        break;
      case 110:
        m.timeReceivedNs = v;
        break;
      case 4:
        m.sequenceNum = v;
        break;
      case 3:
        m.samplingRate = v;
        break;
      case 111:
        m.timeFlowStartNs = v;
        break;
      case 112:
        m.timeFlowEndNs = v;
        break;
      case 9:
        m.bytes = v;
        break;
      case 10:
        m.packets = v;
        break;
      case 30:
        m.etype = v;
        break;
      case 20:
        m.proto = v;
        break;
      case 21:
        m.srcPort = v;
        break;
      case 22:
        m.dstPort = v;
        break;
      case 18:
        m.inIf = v;
        break;
      case 19:
        m.outIf = v;
        break;
      case 27:
        m.srcMac = macText(v);
        break;
      case 28:
        m.dstMac = macText(v);
        break;
      case 33:
        m.srcVlan = v;
        break;
      case 34:
        m.dstVlan = v;
        break;
      case 29:
        m.vlanId = v;
        break;
      case 23:
        m.ipTos = v;
        break;
      case 24:
        m.forwardingStatus = v;
        break;
      case 25:
        m.ipTtl = v;
        break;
      case 38:
        m.ipFlags = v;
        break;
      case 26:
        m.tcpFlags = v;
        break;
      case 31:
        m.icmpType = v;
        break;
      case 32:
        m.icmpCode = v;
        break;
      case 37:
        m.ipv6FlowLabel = v;
        break;
      case 35:
        m.fragmentId = v;
        break;
      case 36:
        m.fragmentOffset = v;
        break;
      case 14:
        m.srcAs = v;
        break;
      case 15:
        m.dstAs = v;
        break;
      case 13:
        m.nextHopAs = v;
        break;
      case 16:
        m.srcNet = v;
        break;
      case 17:
        m.dstNet = v;
        break;
      case 70:
        m.observationDomainId = v;
        break;
      case 71:
        m.observationPointId = v;
        break;
    }
  }
}
