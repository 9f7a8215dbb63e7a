/**
 * Formats read a message at a time (a Kafka message's value), text or binary: GoFlow2's protobuf flow messages
 * are bytes that no line reader may turn into text first. Line formats take part through `textMessages`.
 */
import type { PipelineRecord } from '../pipeline/types.js';
import type { Codec, StreamInfo, UnitDecoder } from './types.js';

/** Decodes the messages of one stream (a topic partition) in order. */
export interface MessageDecoder {
  /**
   * The record of the message at `offset` of its stream, or undefined for a message that carries none (a Zeek
   * header line); throws ParseError on bad input.
   */
  decode(value: Buffer, offset: number): PipelineRecord | undefined;
}

export interface MessageCodec {
  /** The format's name, as `inputs.kafka.topics[].format` calls it. */
  readonly name: string;
  /** Binary messages are dead-lettered as base64, text ones as they are. */
  readonly binary: boolean;
  open(stream: StreamInfo): MessageDecoder;
  /** Why this codec runs slower here than it could (its native part is not built), if it does. */
  degraded?(): string | undefined;
}

/**
 * A line format read a message at a time: each message is one unit, numbered by its offset; the decoder is opened
 * with the stream's first message, which tells some formats apart (Snort's).
 */
export function textMessages(codec: Codec): MessageCodec {
  return {
    name: codec.name,
    binary: false,
    degraded: codec.degraded === undefined ? undefined : () => codec.degraded?.(),
    open(stream) {
      let decoder: UnitDecoder | undefined;
      return {
        decode(value, offset) {
          const text = value.toString('utf8');
          decoder ??= codec.open(stream, text);
          return decoder.decode({ text, offset, number: offset });
        },
      };
    },
  };
}
