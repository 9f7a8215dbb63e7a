import { jsonNumber, jsonString } from '../../src/schema/json.js';
import { type ConnFields, MAPPED, missingEndpoint } from './conn.js';
import { directionOf, invalidTimestamp, protocolOf } from './fields.js';
import { LineFields } from './line-fields.js';
import { convert, items, Kind, type TsvLayout, unescapeZeek } from './tsv.js';
import { scalarJson } from './values.js';

const TEXT = [Kind.Text];
const NUMBER = [Kind.Integer, Kind.Real];
const TIME = [Kind.Time];
const BOOL = [Kind.Bool];

/**
 * The conn.log fields the fast path maps, with the kinds it reads them as; another kind leaves the header to the
 * reference path.
 */
const MAPPED_KINDS: Record<string, readonly Kind[]> = {
  ts: TIME,
  uid: TEXT,
  'id.orig_h': TEXT,
  'id.orig_p': NUMBER,
  'id.resp_h': TEXT,
  'id.resp_p': NUMBER,
  proto: TEXT,
  community_id: TEXT,
  service: TEXT,
  duration: NUMBER,
  conn_state: TEXT,
  orig_pkts: NUMBER,
  resp_pkts: NUMBER,
  orig_ip_bytes: NUMBER,
  resp_ip_bytes: NUMBER,
  orig_l2_addr: TEXT,
  resp_l2_addr: TEXT,
  vlan: NUMBER,
  ip_proto: NUMBER,
  local_orig: BOOL,
  local_resp: BOOL,
};

export type MappedColumns = ReturnType<typeof mappedColumns>;

/** Column of each mapped field, -1 when the header has none; an object of one shape, so reading it is cheap. */
function mappedColumns(names: readonly string[]) {
  const at = (name: string) => names.indexOf(name);
  return {
    ts: at('ts'),
    uid: at('uid'),
    origHost: at('id.orig_h'),
    origPort: at('id.orig_p'),
    respHost: at('id.resp_h'),
    respPort: at('id.resp_p'),
    proto: at('proto'),
    communityId: at('community_id'),
    service: at('service'),
    duration: at('duration'),
    state: at('conn_state'),
    origPackets: at('orig_pkts'),
    respPackets: at('resp_pkts'),
    origBytes: at('orig_ip_bytes'),
    respBytes: at('resp_ip_bytes'),
    origMac: at('orig_l2_addr'),
    respMac: at('resp_l2_addr'),
    vlan: at('vlan'),
    ipProto: at('ip_proto'),
    localOrig: at('local_orig'),
    localResp: at('local_resp'),
  };
}

/** A column written to `zeek.connection`, with its member name already quoted. */
export interface Member {
  at: number;
  kind: Kind;
  container: boolean;
  /** `"name":` */
  name: string;
  /** `,"name":`, so that a member after the first is two pieces of the document, not three. */
  nextName: string;
}

/**
 * Whether the reference path writes every column in column order. It does not for array indexes (objects list
 * them first), repeated names (one property), `__proto__`, or dotted names outside the mapped ones (it nests them).
 */
function keepsColumnOrder(names: readonly string[]): boolean {
  if (new Set(names).size !== names.length) return false;
  return names.every(
    (name) => !/^\d+$/.test(name) && name !== '__proto__' && (MAPPED.has(name) || !name.includes('.')),
  );
}

/**
 * conn.log TSV lines to the conn fields and `zeek.connection`, read straight from the line: what
 * `ZeekTsvParser.parse` and `recordFields`/`nestJson` give, without the record in between (building it, and
 * reading it by name, cost more than the rest of the mapping). One reader per header; headers it does not
 * cover (see `of`) take the reference path. Not re-entrant: `read` keeps the line it is given.
 */
export class ConnTsvReader {
  private readonly fields: LineFields;

  private constructor(
    private readonly layout: TsvLayout,
    readonly at: MappedColumns,
    readonly members: readonly Member[],
  ) {
    this.fields = new LineFields(layout);
  }

  static of(layout: TsvLayout): ConnTsvReader | undefined {
    const names = layout.columns.map((c) => c.name);
    if (names.length === 0 || layout.separator === '' || !keepsColumnOrder(names)) return undefined;
    for (const [name, kinds] of Object.entries(MAPPED_KINDS)) {
      const col = layout.columns[names.indexOf(name)];
      if (col !== undefined && (col.container || !kinds.includes(col.kind))) return undefined;
    }
    const members = layout.columns.flatMap((col, i) =>
      MAPPED.has(col.name)
        ? []
        : [
            {
              at: i,
              kind: col.kind,
              container: col.container,
              name: `${jsonString(col.name)}:`,
              nextName: `,${jsonString(col.name)}:`,
            },
          ],
    );
    return new ConnTsvReader(layout, mappedColumns(names), members);
  }

  /** Reads a data line; `conn` and `connection` then give what it holds. */
  read(line: string): void {
    this.fields.read(line);
  }

  conn(): ConnFields {
    const at = this.at;
    const line = this.fields;
    const ts = line.number(at.ts);
    if (ts === undefined) throw invalidTimestamp();
    const start = ts * 1000;
    const origHost = line.text(at.origHost);
    const proto = protocolOf(line.text(at.proto), origHost, line.number(at.ipProto));
    const respHost = line.text(at.respHost);
    if (proto === undefined || origHost === undefined || respHost === undefined) throw missingEndpoint();
    return {
      start,
      protocol: proto,
      sourceIp: origHost,
      destinationIp: respHost,
      sourcePort: line.number(at.origPort),
      destinationPort: line.number(at.respPort),
      duration: line.number(at.duration),
      uid: line.text(at.uid),
      state: line.text(at.state),
      sourceMac: line.text(at.origMac),
      destinationMac: line.text(at.respMac),
      bytes: line.number(at.origBytes),
      packets: line.number(at.origPackets),
      reverseBytes: line.number(at.respBytes),
      reversePackets: line.number(at.respPackets),
      vlanId: line.number(at.vlan),
      communityId: line.text(at.communityId),
      service: line.text(at.service),
      direction: directionOf(line.flag(at.localOrig), line.flag(at.localResp)),
    };
  }

  /** `zeek.connection`: `members` first, then the columns that are not mapped, in column order. */
  connection(members: string): string {
    const line = this.fields;
    let json = members;
    for (const member of this.members) {
      if (line.isUnset(member.at)) continue;
      const value = this.valueJson(member);
      if (value === undefined) continue;
      json = json === '' ? `${member.name}${value}` : `${json}${member.nextName}${value}`;
    }
    return `{${json}}`;
  }

  private valueJson(member: Member): string | undefined {
    const line = this.fields;
    const at = member.at;
    if (member.container) {
      const raw = line.raw(at);
      if (raw === this.layout.emptyField) return '[]';
      return `[${items(raw, member.kind, this.layout.setSeparator).map(scalarJson).join(',')}]`;
    }
    switch (member.kind) {
      case Kind.Text: {
        const raw = line.raw(at);
        return raw === this.layout.emptyField ? '""' : jsonString(unescapeZeek(raw));
      }
      case Kind.Bool:
        return line.is(at, 'T') ? 'true' : 'false';
      case Kind.Integer:
      case Kind.Real: {
        if (line.isPlainInteger(at)) return line.raw(at);
        const n = line.decimal(at);
        return Number.isNaN(n) ? undefined : jsonNumber(n);
      }
      default: {
        const value = convert(line.raw(at), member.kind);
        return value === undefined ? undefined : scalarJson(value);
      }
    }
  }
}
