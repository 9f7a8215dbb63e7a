import { basename } from 'node:path';
import type { StreamInfo, Unit, UnitDecoder } from '../../src/codec/types.js';
import { ParseError } from '../../src/errors.js';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { addedMembers, connFlowFacts } from './conn.js';
import { NativeConnMapper } from './conn-native.js';
import { ConnTsvReader } from './conn-tsv.js';
import { recordIdentity, zeekIdentity } from './identity.js';
import { parseZeekJson } from './json.js';
import { connRecord, guessLog, mapZeek } from './map.js';
import { type TsvLayout, ZeekTsvParser } from './tsv.js';
import type { ZeekEntry } from './values.js';

const KNOWN_LOGS = [
  'conn',
  'dns',
  'http',
  'ssl',
  'ssh',
  'files',
  'x509',
  'weird',
  'notice',
  'dhcp',
  'smtp',
  'ftp',
];

/** `conn.log`, `conn.00:00:00-01:00:00.log.gz`, `test-conn.log`, `connection-json.log` → `conn`. */
function logFromFileName(path: string): string | undefined {
  const name = basename(path).toLowerCase();
  if (name.includes('connection')) return 'conn';
  return KNOWN_LOGS.find((log) => new RegExp(`(^|[^a-z0-9])${log}([^a-z0-9]|$)`).test(name));
}

/** A Zeek log, TSV or JSON (decided per line: TSV lines never start with `{`). */
export class ZeekDecoder implements UnitDecoder {
  private readonly tsv = new ZeekTsvParser();
  private readonly fileLog: string | undefined;
  /** The conn.log readers for `readerLayout`, the TSV header they were made for. */
  private reader: ConnTsvReader | undefined;
  private nativeMapper: NativeConnMapper | undefined;
  private readerLayout: TsvLayout | undefined;

  /** `native: false` maps every conn.log line in TypeScript (the reference the native mapper is tested against). */
  constructor(
    private readonly stream: StreamInfo,
    private readonly options: { native: boolean } = { native: true },
  ) {
    this.fileLog = logFromFileName(stream.name);
  }

  decode(unit: Unit): PipelineRecord | undefined {
    const line = unit.text;
    const first = line.charCodeAt(0);
    if (first === 123 /* { */) return this.map(parseZeekJson(line));
    // A line that starts with a printable ASCII character is not blank: only the others need trimming.
    if (!(first > 32 && first < 127) && line.trim() === '') return undefined;
    if (first !== 35 /* # */) {
      const reader = this.connReader();
      if (reader !== undefined) return this.connRecord(reader, line);
    }
    const entry = this.tsv.parse(line);
    return entry === undefined ? undefined : this.map(entry);
  }

  /** Header lines set the layout of the lines after them; the header block ends at the first other line. */
  replay(unit: Unit): boolean {
    if (unit.text.charCodeAt(0) !== 35 /* # */) return false;
    try {
      this.decode(unit);
    } catch {
      // A bad header line was already dead-lettered when it was first read.
    }
    return true;
  }

  /**
   * A conn record is known by its uid; any other record (and a conn record without one) by its content, so that
   * the TSV and the JSON copy of a log, or a record read again from elsewhere, become one document.
   */
  private map(entry: ZeekEntry): PipelineRecord {
    const log = entry.path ?? this.fileLog ?? guessLog(entry.record);
    if (log === undefined) throw new ParseError('zeek: cannot tell which log this record belongs to');
    return mapZeek(log, entry.record, zeekIdentity(log, entry.record), this.stream);
  }

  /** The fast path for the current header, when it is conn.log's and the reader covers it. */
  private connReader(): ConnTsvReader | undefined {
    const layout = this.tsv.layout;
    if (layout !== this.readerLayout) {
      this.readerLayout = layout;
      this.reader = (layout.path ?? this.fileLog) === 'conn' ? ConnTsvReader.of(layout) : undefined;
      this.nativeMapper =
        this.reader !== undefined && this.options.native
          ? NativeConnMapper.of(layout, this.reader, this.stream.localNetworks)
          : undefined;
    }
    return this.reader;
  }

  private connRecord(reader: ConnTsvReader, line: string): PipelineRecord {
    const mapped = this.nativeMapper?.map(line, this.stream.now());
    if (mapped !== undefined) return mapped;
    reader.read(line);
    const fields = reader.conn();
    const connection = reader.connection(addedMembers(fields));
    // The content's identity only stands in for a missing uid (rare), and costs a second reading of the line.
    const identity = fields.uid ?? recordIdentity('conn', this.tsv.parse(line)!.record);
    return connRecord(connFlowFacts(fields, connection, identity), this.stream);
  }
}
