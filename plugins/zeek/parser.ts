import { basename } from 'node:path';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { type FileContext, type FileParser, ParseError, type Unit, unitIdentity } from '../logfile/parser.js';
import { parseZeekJson } from './json.js';
import { guessLog, mapZeek } from './map.js';
import { ZeekTsvParser } from './tsv.js';
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

/** A Zeek log file, TSV or JSON (decided per line: TSV lines never start with `{`). */
export class ZeekFileParser implements FileParser {
  private readonly tsv = new ZeekTsvParser();
  private readonly fileLog: string | undefined;

  constructor(private readonly ctx: FileContext) {
    this.fileLog = logFromFileName(ctx.path);
  }

  parse(unit: Unit): PipelineRecord | undefined {
    const entry = this.read(unit.text);
    if (entry === undefined) return undefined;
    const log = entry.path ?? this.fileLog ?? guessLog(entry.record);
    if (log === undefined) throw new ParseError('zeek: cannot tell which log this record belongs to');
    return mapZeek(log, entry.record, unitIdentity(this.ctx, unit), this.ctx);
  }

  private read(line: string): ZeekEntry | undefined {
    const first = line.charCodeAt(0);
    if (first === 123 /* { */) return parseZeekJson(line);
    // A line that starts with a printable ASCII character is not blank: only the others need trimming.
    if (!(first > 32 && first < 127) && line.trim() === '') return undefined;
    return this.tsv.parse(line);
  }
}
