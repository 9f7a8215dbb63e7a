/** `flowtrail pcap <id>` and `GET /api/pcap/<kind>/<id>`: the id resolved to a session, its packets out of the ring. */
import type { CorrelationSettings } from '../correlate/correlator.js';
import { UsageError } from '../errors.js';
import type { StoreClient } from '../store/client.js';
import { extractSession, type PacketStoreReader } from './extract.js';
import { locateSession } from './locate.js';
import { type PcapKind, resolveSession } from './resolve.js';
import { describeEnds, type SessionSelector, selectorOf } from './session.js';

export type SessionPackets =
  | {
      found: true;
      pcap: Buffer;
      packets: number;
      /** What was extracted: the session, its time range, how it was found. */
      session: string;
      filesRead: number;
      /** Said when some matching packets could not be put in the file (another link type). */
      note?: string;
    }
  | { found: false; message: string };

const iso = (ms: number) => new Date(ms).toISOString();

function notStored(kind: PcapKind | undefined): string {
  if (kind === undefined) return 'no alert or flow with id';
  return kind === 'community-id' ? 'no flow with Community ID' : `no ${kind} with id`;
}

export async function sessionPackets(
  client: StoreClient,
  settings: CorrelationSettings,
  reader: PacketStoreReader,
  kind: PcapKind | undefined,
  id: string,
): Promise<SessionPackets> {
  const resolved = await resolveSession(client, settings, kind, id);
  if (resolved === undefined)
    return { found: false, message: `${notStored(kind)} ${id} is stored in Elasticsearch` };
  const { ends } = resolved;
  const session = `${describeEnds(ends)} from ${iso(ends.fromMs)} to ${iso(ends.toMs)}, for ${resolved.found}`;
  const extracted = extractSession(reader, selectorOf(ends));
  if (extracted.found) {
    return {
      found: true,
      pcap: extracted.pcap,
      packets: extracted.packets,
      session,
      filesRead: extracted.filesRead,
      ...(extracted.otherLinktype > 0
        ? {
            note: `${extracted.otherLinktype} packet(s) of it captured on a link of another type are left out`,
          }
        : {}),
    };
  }
  const what = resolved.kind === 'alert' ? 'this alert' : 'this session';
  if (extracted.why === 'empty')
    return { found: false, message: `the packet store at ${reader.dir} holds no packets (${session})` };
  if (extracted.why === 'older')
    return {
      found: false,
      message: `packets for ${what} are older than the store: oldest packet kept is ${iso(extracted.oldestMs as number)} (${session})`,
    };
  const held =
    extracted.newestMs === undefined
      ? `it holds packets from ${iso(extracted.oldestMs as number)}`
      : `it holds packets from ${iso(extracted.oldestMs as number)} to ${iso(extracted.newestMs)}`;
  return { found: false, message: `no packets for ${what} are in the packet store: ${held} (${session})` };
}

/** Where an alert's packets are, for its context: how many the store keeps and how to get them. */
export interface PacketReference {
  /** Packets of the session in sealed ring files (their indexes' count; the time range can widen it a little). */
  packets: number;
  files: number;
  /** Ring files being written (or with a full index) that may hold more of them. */
  unsealed_files: number;
  command: string;
  api: string;
}

/** The alert's packet reference; undefined when the store holds none of its session (or it names no session). */
export async function packetReference(
  client: StoreClient,
  settings: CorrelationSettings,
  reader: PacketStoreReader,
  alertId: string,
): Promise<PacketReference | undefined> {
  let selector: SessionSelector;
  try {
    const resolved = await resolveSession(client, settings, 'alert', alertId);
    if (resolved === undefined) return undefined;
    selector = selectorOf(resolved.ends);
  } catch (err) {
    // An alert without two endpoints (of one IP version) has no session to keep packets of.
    if (err instanceof UsageError) return undefined;
    throw err;
  }
  const kept = locateSession(reader.dir, selector);
  if (kept.packets === 0 && kept.unsealed === 0) return undefined;
  return {
    packets: kept.packets,
    files: kept.files,
    unsealed_files: kept.unsealed,
    command: `flowtrail pcap ${alertId}`,
    api: `/api/pcap/alert/${encodeURIComponent(alertId)}`,
  };
}
