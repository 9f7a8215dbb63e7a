/**
 * A codec is a log format: the units of one stream in, records out. It knows nothing of files, Kafka or
 * Elasticsearch; the sources that read streams are given codecs by the composition root (app/wiring/codecs.ts).
 */
import type { PipelineRecord } from '../pipeline/types.js';
import type { LocalNetworks } from '../schema/locality.js';

/** One unit of a text stream: a line, or lines grouped into one record (Snort alert_full). */
export interface Unit {
  text: string;
  /** Byte offset of the unit's first byte in its stream (a Kafka message: its offset). */
  offset: number;
  /** 1-based line number, for messages that point a user at it. */
  number: number;
}

/** The stream a codec decodes, as much as a codec may know of it. */
export interface StreamInfo {
  /** What the stream is called where it comes from (a file path, a Kafka topic): Zeek tells a log by its name. */
  name: string;
  /**
   * What identifies the stream's content (a file's fingerprint, a topic partition): with a unit's offset it
   * identifies a record, so the same record read again gets the same document id.
   */
  identity: string;
  /** IANA zone or `±HH:MM` of times that carry no zone (Snort). */
  timezone: string;
  /** Epoch ms that no record of the stream is later than, for times that carry no year (Snort). */
  readonly reference: number;
  localNetworks: LocalNetworks;
  /** Epoch ms, for `event.created`. */
  now: () => number;
}

/** Decodes the units of one stream in order, keeping what earlier units set (Zeek's `#fields` header). */
export interface UnitDecoder {
  /** Records of several lines: units are groups of lines that start with this prefix. */
  readonly blockStart?: string;
  /** The unit's record, or undefined for units that carry none (headers); throws ParseError on bad input. */
  decode(unit: Unit): PipelineRecord | undefined;
  /**
   * A unit before the point a reader resumes from, given again only for the state it sets. Returns false once no
   * later unit can set state, so that the rest need not be read again. Decoders without such state leave it out.
   */
  replay?(unit: Unit): boolean;
}

/** Where a byte decoder puts what it read. */
export interface ByteOutput {
  records: PipelineRecord[];
  /** A record that cannot become a document, at this byte offset of the stream. */
  failed(offset: number, reason: string, raw?: Buffer): void;
  /** What the decoder counted over the whole stream, for the reader's log (a capture's packets and flows). */
  notice?(message: string, counts: Record<string, number | string>): void;
}

/** A binary format read from a stream's bytes (Snort unified2). */
export interface ByteDecoder {
  /** Decodes the next bytes of the stream; false when the rest cannot be read (its framing is lost). */
  push(chunk: Buffer, out: ByteOutput): boolean;
  /** The stream has ended: completes what is pending and reports a record cut short. */
  end(out: ByteOutput): void;
}

export interface Codec {
  /** The format's name, as inputs and `flowtrail ingest` call it. */
  readonly name: string;
  /** A decoder for a text stream whose first non-blank line is `firstLine` (Snort's formats are told by it). */
  open(stream: StreamInfo, firstLine: string): UnitDecoder;
  /** A binary format of this codec, told by a stream's first bytes; read whole, by `flowtrail ingest`. */
  readonly binary?: {
    recognizes(head: Buffer): boolean;
    open(stream: StreamInfo): ByteDecoder;
  };
  /** Why this codec runs slower here than it could (its native part is not built), if it does. */
  degraded?(): string | undefined;
  /**
   * Why a stream that starts with `head` (its first KiB, decompressed) is not of this format, if it can tell:
   * a file source then refuses the file once, with this reason, instead of failing on every line of it.
   * Streams of the codec's binary format are recognized before this is asked.
   */
  refuses?(head: Buffer): string | undefined;
}

const PCAP_MAGICS = [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1];
const PCAPNG_MAGIC = 0x0a0d0d0a;
const ELF_MAGIC = 0x7f454c46;

/**
 * What a text log's first bytes cannot be: a packet capture, an executable, or other binary content (a NUL, or
 * more than a few bytes that are neither text nor UTF-8). Undefined when they may be text.
 */
export function notText(head: Buffer): string | undefined {
  if (head.length >= 4) {
    const magic = head.readUInt32BE(0);
    if (PCAP_MAGICS.includes(magic) || magic === PCAPNG_MAGIC) return 'a packet capture (pcap)';
    if (magic === ELF_MAGIC) return 'an executable';
  }
  if (head.includes(0)) return 'binary content';
  // The last bytes may be a character cut by the end of the head.
  const text = head.subarray(0, Math.max(0, head.length - 3)).toString('utf8');
  let odd = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13)) odd++;
  }
  return odd > Math.max(4, text.length / 100) ? 'binary content' : undefined;
}

/** The codecs inputs may name, by name; built by the composition root. */
export type CodecRegistry = ReadonlyMap<string, Codec>;

/** A record's identity when its format has none of its own: the stream's identity and the unit's offset. */
export function unitIdentity(stream: StreamInfo, unit: Unit): string {
  return `${stream.identity}:${unit.offset}`;
}
