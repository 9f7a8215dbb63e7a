/**
 * Packet captures (pcap, pcapng; `.gz` is undone by the file source) metered into flows: the `pcap` codec that
 * `flowtrail ingest pcap` reads files with. Each file is metered on its own, from its first packet to its last.
 */
import type { ByteDecoder, ByteOutput, Codec, StreamInfo, UnitDecoder } from '../../src/codec/types.js';
import { ParseError } from '../../src/errors.js';
import type { PacketStore, PacketStoreWriter } from '../../src/packets/writer.js';
import { toFlowRecord } from '../../src/schema/flow.js';
import { readFlows, type TapIdentity, tapFlowFacts } from './flow-records.js';
import {
  type CaptureMeter,
  createCaptureMeter,
  createRecordingMeter,
  type MeterOptions,
  meterUnavailable,
} from './meter.js';

const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1]);
const PCAPNG_MAGIC = 0x0a0d0d0a;

export function isCapture(head: Buffer): boolean {
  if (head.length < 4) return false;
  const magic = head.readUInt32BE(0);
  return PCAP_MAGICS.has(magic) || magic === PCAPNG_MAGIC;
}

export interface PcapCodecOptions {
  tap: TapIdentity;
  meter: MeterOptions;
  /** Where the frames are also kept (the packet store's ring), when they are. */
  packetStore?: PacketStore;
}

class CaptureDecoder implements ByteDecoder {
  private readonly meter: CaptureMeter;
  private readonly packets: PacketStoreWriter | undefined;

  constructor(
    private readonly stream: StreamInfo,
    private readonly options: PcapCodecOptions,
  ) {
    const store = options.packetStore;
    if (store === undefined) {
      this.meter = createCaptureMeter(options.meter);
    } else {
      const meter = createRecordingMeter(options.meter, store.settings.sessionsPerFile);
      this.meter = meter;
      this.packets = store.writer(meter);
    }
  }

  push(chunk: Buffer, out: ByteOutput): boolean {
    const readable = this.meter.push(chunk);
    this.packets?.afterPush();
    this.drain(out);
    if (!readable) {
      const { error, errorOffset, frames } = this.meter.stats();
      out.failed(errorOffset, `pcap: ${error} (${frames} frames before it are metered)`);
    }
    return readable;
  }

  end(out: ByteOutput): void {
    const complete = this.meter.end();
    this.packets?.close();
    this.drain(out);
    const stats = this.meter.stats();
    if (!complete)
      out.failed(stats.errorOffset, `pcap: ${stats.error} (${stats.frames} frames before it are metered)`);
    if (stats.outputFailed)
      out.failed(stats.errorOffset, 'pcap: out of memory for finished flows; some are lost');
    out.notice?.('pcap: capture metered', {
      format: stats.format,
      frames: stats.frames,
      ip_packets: stats.ipPackets,
      not_ip: stats.notIp,
      broken: stats.broken,
      fragments: stats.fragments,
      skipped_records: stats.skippedRecords,
      flows: stats.flows,
      evicted: stats.evicted,
      ...(this.options.packetStore === undefined
        ? {}
        : {
            packet_store_packets: this.options.packetStore.counters.records,
            packet_store_write_errors: this.options.packetStore.counters.writeErrors,
          }),
    });
  }

  private drain(out: ByteOutput): void {
    const records = this.meter.take();
    if (records === undefined) return;
    const context = { localNetworks: this.stream.localNetworks, now: this.stream.now() };
    for (const flow of readFlows(records))
      out.records.push(toFlowRecord(tapFlowFacts(flow, this.options.tap), context));
  }
}

const NOT_TEXT: UnitDecoder = {
  decode(): never {
    throw new ParseError('pcap: a packet capture is read as bytes, not as lines');
  },
};

export function pcapCodec(options: PcapCodecOptions): Codec {
  return {
    name: 'pcap',
    open: () => NOT_TEXT,
    binary: {
      recognizes: isCapture,
      open: (stream) => new CaptureDecoder(stream, options),
    },
    refuses: (head) =>
      head.length === 0 ? 'empty: no capture header' : 'not a pcap or pcapng capture (unknown magic number)',
    degraded: () => {
      const why = meterUnavailable();
      return why === undefined ? undefined : `pcap: no flow meter (${why}); captures cannot be read`;
    },
  };
}
