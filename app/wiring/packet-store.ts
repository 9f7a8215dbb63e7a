import type { Logger } from 'pino';
import { selectRecords } from '../../codecs/pcap/meter.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import type { PacketStoreReader } from '../../src/packets/extract.js';
import { PacketStore } from '../../src/packets/writer.js';
import { packetStoreDirOf } from './paths.js';

/** The ring the tap's frames are kept in, when `packet_store.enabled`. */
export function createPacketStore(config: FlowtrailConfig, logger: Logger): PacketStore | undefined {
  const c = config.packet_store;
  if (!c.enabled) return undefined;
  return new PacketStore(
    {
      dir: packetStoreDirOf(config),
      maxBytes: c.max_bytes,
      maxAgeMs: c.max_age,
      fileBytes: c.file_bytes,
      sessionsPerFile: c.sessions_per_file,
    },
    (fields, message) => logger.warn(fields, message),
  );
}

/** Reading the ring back (`flowtrail pcap`, the API), whether or not this process writes it. */
export function packetStoreReader(config: FlowtrailConfig): PacketStoreReader {
  return { dir: packetStoreDirOf(config), select: selectRecords };
}
