/**
 * The native conn.log mapper (native/zeek_conn.c): a conn.log TSV line straight to its flow document, for the lines
 * most conn.logs are made of. It returns nothing for any other line, which `ZeekDecoder` then maps in
 * TypeScript; that mapping is the reference, and conn-tsv.test.ts holds the native one to it. Everything the
 * document holds that is not read off the line is handed over from here, so it stays defined once.
 */

import { ICMP4_COUNTERPART, ICMP6_COUNTERPART, PORTED_PROTOCOLS } from '../../src/schema/community-id.js';
import { DIRECTIONS, eventHeadText, FLOW_DATASET, FLOW_TEXT, memberText } from '../../src/schema/flow.js';
import { jsonString } from '../../src/schema/json.js';
import { JsonRecord } from '../../src/schema/json-record.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { listedProtocolNames, transportName } from '../../src/schema/protocols.js';
import { loadNativeAddon } from '../../src/util/native-addon.js';
import { CONN_ACTION, CONN_MODULE, CONN_NAMESPACE, CONNECTION_TEXT, STATE_MEMBERS } from './conn.js';
import type { ConnTsvReader, MappedColumns } from './conn-tsv.js';
import type { TsvLayout } from './tsv.js';

interface ConnMapperOptions {
  separator: number;
  setSeparator: number;
  emptyField: string;
  unsetField: string;
  columns: number;
  eventHead: string;
  /** The document's text between values, by name (`TEXT_NAMES` in the addon). */
  text: Record<string, string>;
  /** `network.direction`'s values, quoted, in the order of `DIRECTIONS`. */
  directions: string[];
  dataset: string;
  module: string;
  /** Columns of the mapped fields, in the order the addon reads them (`MAPPED_ORDER`). */
  mapped: Int32Array;
  /** Per `zeek.connection` member: column, kind, container (0 or 1). */
  members: Int32Array;
  /** Per member: `"name":`. */
  memberNames: string[];
  /** State, then its members' text, for each state. */
  states: string[];
  protocolNames: string[];
  protocolNumbers: Int32Array;
  /** Transport name of each protocol number 0–255. */
  transports: string[];
  /** [network, mask] pairs. */
  v4Networks: Uint32Array;
  /** 16 address bytes and the prefix length, per network. */
  v6Networks: Uint8Array;
  icmp4Counterparts: Int32Array;
  icmp6Counterparts: Int32Array;
  portedProtocols: Int32Array;
}

interface ConnMapper {
  /** The document id (22 characters) and the document, or undefined when the line is left to TypeScript. */
  map(line: string, now: number): string | undefined;
}

type Addon = { ConnMapper: new (options: ConnMapperOptions) => ConnMapper };

const MAPPED_ORDER: ReadonlyArray<keyof MappedColumns> = [
  'ts',
  'uid',
  'origHost',
  'origPort',
  'respHost',
  'respPort',
  'proto',
  'communityId',
  'service',
  'duration',
  'state',
  'origPackets',
  'respPackets',
  'origBytes',
  'respBytes',
  'origMac',
  'respMac',
  'vlan',
  'localOrig',
  'localResp',
  'ipProto',
];

/** Binary document ids are 16 bytes in base64url. */
const ID_LENGTH = 22;

let loaded: Addon | { unavailable: string } | undefined;

function addon(): Addon | { unavailable: string } {
  loaded ??= loadNativeAddon<Addon>('zeek_conn');
  return loaded;
}

/** Why the native mapper cannot be used here, or undefined when it can. */
export function nativeConnUnavailable(): string | undefined {
  const found = addon();
  return 'unavailable' in found ? found.unavailable : undefined;
}

/** A one-character separator the addon can compare bytes with. */
function singleByte(text: string): number | undefined {
  return text.length === 1 && text.charCodeAt(0) < 0x80 ? text.charCodeAt(0) : undefined;
}

function pairs(map: ReadonlyMap<number, number>): Int32Array {
  return Int32Array.from([...map].flat());
}

/** The addon's options for a header the TypeScript reader covers, or undefined when the addon cannot take it. */
function options(
  layout: TsvLayout,
  reader: ConnTsvReader,
  networks: LocalNetworks,
): ConnMapperOptions | undefined {
  const separator = singleByte(layout.separator);
  const setSeparator = singleByte(layout.setSeparator);
  if (separator === undefined || setSeparator === undefined) return undefined;
  const protocols = listedProtocolNames();
  const { v4, v6 } = networks.ranges;
  const v6Networks = new Uint8Array(17 * v6.length);
  v6.forEach((network, i) => {
    v6Networks.set(network.bytes, 17 * i);
    v6Networks[17 * i + 16] = network.prefix;
  });
  return {
    separator,
    setSeparator,
    emptyField: layout.emptyField,
    unsetField: layout.unsetField,
    columns: layout.columns.length,
    eventHead: eventHeadText(CONN_ACTION, FLOW_DATASET, CONN_MODULE),
    text: {
      ...FLOW_TEXT,
      ...CONNECTION_TEXT,
      namespace: memberText(CONN_NAMESPACE),
      initiatorSource: jsonString('source'),
    },
    directions: DIRECTIONS.map(jsonString),
    dataset: FLOW_DATASET,
    module: CONN_MODULE,
    mapped: Int32Array.from(MAPPED_ORDER, (name) => reader.at[name]),
    members: Int32Array.from(reader.members.flatMap((m) => [m.at, m.kind, m.container ? 1 : 0])),
    memberNames: reader.members.map((m) => m.name),
    states: [...STATE_MEMBERS].flat(),
    protocolNames: protocols.map(([name]) => name),
    protocolNumbers: Int32Array.from(protocols, ([, number]) => number),
    transports: Array.from({ length: 256 }, (_, protocol) => transportName(protocol)),
    v4Networks: Uint32Array.from(v4.flat()),
    v6Networks,
    icmp4Counterparts: pairs(ICMP4_COUNTERPART),
    icmp6Counterparts: pairs(ICMP6_COUNTERPART),
    portedProtocols: Int32Array.from(PORTED_PROTOCOLS),
  };
}

/** conn.log lines of one header to flow records, natively; `map` leaves the lines it does not cover. */
export class NativeConnMapper {
  private constructor(private readonly mapper: ConnMapper) {}

  /** Undefined when the addon is not built or cannot take this header. */
  static of(layout: TsvLayout, reader: ConnTsvReader, networks: LocalNetworks): NativeConnMapper | undefined {
    const found = addon();
    if ('unavailable' in found) return undefined;
    const given = options(layout, reader, networks);
    return given === undefined ? undefined : new NativeConnMapper(new found.ConnMapper(given));
  }

  /** The line's flow record, or undefined when the TypeScript mapping has to read it. */
  map(line: string, now: number): JsonRecord | undefined {
    const mapped = this.mapper.map(line, now);
    if (mapped === undefined) return undefined;
    return new JsonRecord(FLOW_DATASET, mapped.slice(0, ID_LENGTH), mapped.slice(ID_LENGTH));
  }
}
