import { hostname } from 'node:os';
import { goflow2JsonCodec, goflow2ProtobufCodec } from '../../codecs/goflow2/codec.js';
import { pcapCodec } from '../../codecs/pcap/codec.js';
import { METER_DEFAULTS, type MeterOptions } from '../../codecs/pcap/meter.js';
import { snortCodec } from '../../codecs/snort/codec.js';
import { suricataCodec } from '../../codecs/suricata/codec.js';
import { zeekCodec } from '../../codecs/zeek/codec.js';
import { type MessageCodec, textMessages } from '../../src/codec/messages.js';
import type { Codec, CodecRegistry } from '../../src/codec/types.js';
import type { PacketStore } from '../../src/packets/writer.js';

/** Every log format flowtrail reads, by the name inputs and `flowtrail ingest` give it. */
export const CODECS: CodecRegistry = new Map<string, Codec>(
  [zeekCodec, suricataCodec, snortCodec].map((codec) => [codec.name, codec]),
);

/** The codec of that name; the configuration schema and the CLI only let known names through. */
export function codecNamed(name: string): Codec {
  const codec = CODECS.get(name);
  if (codec === undefined) throw new Error(`no codec named ${name}`);
  return codec;
}

/** Formats only read a message at a time (from Kafka): GoFlow2's flow messages. */
const MESSAGE_CODECS = new Map<string, MessageCodec>(
  [goflow2JsonCodec, goflow2ProtobufCodec].map((codec) => [codec.name, codec]),
);

/** The format of a Kafka topic's messages, by the name `inputs.kafka.topics[].format` gives it. */
export function messageCodecNamed(name: string): MessageCodec {
  return MESSAGE_CODECS.get(name) ?? textMessages(codecNamed(name));
}

/** How `flowtrail ingest pcap` meters captures: the sensor's name and the meter's limits. */
export interface TapSettings extends Partial<MeterOptions> {
  /** `observer.name`; the host's name when not given. */
  observer?: string;
  /** Where the frames are also kept (packet_store), when they are. */
  packetStore?: PacketStore;
}

/** The packet tap's codec: captures metered into flows (not among CODECS: it is no log format an input tails). */
export function tapCodec(settings: TapSettings = {}): Codec {
  const host = hostname();
  return pcapCodec({
    tap: { name: settings.observer ?? host, hostname: host },
    meter: {
      maxFlows: settings.maxFlows ?? METER_DEFAULTS.maxFlows,
      idleTimeoutMs: settings.idleTimeoutMs ?? METER_DEFAULTS.idleTimeoutMs,
      activeTimeoutMs: settings.activeTimeoutMs ?? METER_DEFAULTS.activeTimeoutMs,
    },
    packetStore: settings.packetStore,
  });
}
