import { ParseError } from '../../src/errors.js';
import { type ZeekEntry, type ZeekRecord, type ZeekScalar, ZeekTime } from './values.js';

export enum Kind {
  Text,
  Time,
  Real,
  Integer,
  Bool,
}

export interface Column {
  name: string;
  kind: Kind;
  container: boolean;
}

function kindOf(type: string): Kind {
  switch (type) {
    case 'time':
      return Kind.Time;
    case 'interval':
    case 'double':
      return Kind.Real;
    case 'count':
    case 'int':
    case 'port':
      return Kind.Integer;
    case 'bool':
      return Kind.Bool;
    default:
      return Kind.Text;
  }
}

function column(name: string, type: string | undefined): Column {
  if (type === undefined) return { name, kind: Kind.Text, container: false };
  const open = type.indexOf('[');
  if (open === -1) return { name, kind: kindOf(type), container: false };
  return { name, kind: kindOf(type.slice(open + 1, -1)), container: true };
}

/** Zeek's ASCII writer escapes `\` as `\\` and separators and non-printable bytes as `\xNN`. */
export function unescapeZeek(text: string): string {
  if (text.indexOf('\\') === -1) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && text[i + 1] === 'x' && i + 3 < text.length) {
      const code = Number.parseInt(text.slice(i + 2, i + 4), 16);
      if (!Number.isNaN(code)) {
        out += String.fromCharCode(code);
        i += 4;
        continue;
      }
    }
    if (c === '\\' && text[i + 1] === '\\') {
      out += '\\';
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** What the header lines read so far say about the data lines that follow them. */
export interface TsvLayout {
  readonly separator: string;
  readonly setSeparator: string;
  readonly emptyField: string;
  readonly unsetField: string;
  readonly path: string | undefined;
  readonly columns: readonly Column[];
  /** Every column's name already in place (unset ones stay undefined): the shape of this header's records. */
  readonly template: ZeekRecord;
}

const INITIAL_LAYOUT: TsvLayout = {
  separator: '\t',
  setSeparator: ',',
  emptyField: '(empty)',
  unsetField: '-',
  path: undefined,
  columns: [],
  template: {},
};

/**
 * Zeek's TSV (ASCII) log format. Stateful: `#separator`, `#set_separator`, `#empty_field`, `#unset_field`,
 * `#path` and `#fields`/`#types` apply to the lines that follow, and may change in the middle of a file
 * (concatenated logs). Other `#` lines (`#open`, `#close`, btest's `###`) are skipped.
 */
export class ZeekTsvParser {
  private current: TsvLayout = INITIAL_LAYOUT;
  private names: string[] = [];
  private types: string[] = [];

  /** Replaced, never changed, by each header line, so that a reader can keep what it derived from one. */
  get layout(): TsvLayout {
    return this.current;
  }

  /** Returns undefined for header lines. */
  parse(line: string): ZeekEntry | undefined {
    if (line.charCodeAt(0) === 35 /* # */) {
      this.header(line);
      return undefined;
    }
    if (line.length === 0) return undefined;
    const layout = this.layout;
    const values = splitValues(line, layout);
    const columns = layout.columns;
    // A copy of the header's template, so that all records of a header share one shape and filling them in adds
    // no properties. Building each record property by property was the costliest part of reading a conn.log.
    const record: ZeekRecord = { ...layout.template };
    const unset = layout.unsetField;
    const empty = layout.emptyField;
    for (let i = 0; i < columns.length; i++) {
      const raw = values[i];
      if (raw === unset) continue;
      const col = columns[i];
      if (col.container) record[col.name] = raw === empty ? [] : items(raw, col.kind, layout.setSeparator);
      else if (col.kind === Kind.Text) record[col.name] = raw === empty ? '' : unescapeZeek(raw);
      else record[col.name] = convert(raw, col.kind);
    }
    return { path: layout.path, record };
  }

  private header(line: string): void {
    const layout = this.layout;
    if (line.startsWith('#separator ')) {
      this.current = { ...layout, separator: unescapeZeek(line.slice('#separator '.length)) };
      return;
    }
    const cut = line.indexOf(layout.separator);
    if (cut === -1) return;
    const key = line.slice(1, cut);
    const value = line.slice(cut + layout.separator.length);
    switch (key) {
      case 'set_separator':
        this.current = { ...layout, setSeparator: unescapeZeek(value) };
        break;
      case 'empty_field':
        this.current = { ...layout, emptyField: unescapeZeek(value) };
        break;
      case 'unset_field':
        this.current = { ...layout, unsetField: unescapeZeek(value) };
        break;
      case 'path':
        this.current = { ...layout, path: value };
        break;
      case 'fields':
        this.names = value.split(layout.separator);
        this.types = [];
        this.rebuild();
        break;
      case 'types':
        this.types = value.split(layout.separator);
        this.rebuild();
        break;
    }
  }

  private rebuild(): void {
    this.current = {
      ...this.layout,
      columns: this.names.map((name, i) => column(name, this.types[i])),
      template: Object.fromEntries(this.names.map((name) => [name, undefined])),
    };
  }
}

/** The values of a data line, one per column of the layout. */
export function splitValues(line: string, layout: TsvLayout): string[] {
  const columns = layout.columns.length;
  if (columns === 0) throw new ParseError('zeek tsv: data line before any #fields header');
  const values = line.split(layout.separator);
  if (values.length !== columns) throw columnCountError(values.length, layout);
  return values;
}

/** A data line with `count` values where the layout has another number of columns. */
export function columnCountError(count: number, layout: TsvLayout): ParseError {
  return new ParseError(`zeek tsv: ${count} values for ${layout.columns.length} fields`);
}

/** A set or vector value: its items, each converted to the column's kind. */
export function items(raw: string, kind: Kind, setSeparator: string): ZeekScalar[] {
  const converted: ZeekScalar[] = [];
  for (const item of raw.split(setSeparator)) {
    const value = convert(item, kind);
    if (value !== undefined) converted.push(value);
  }
  return converted;
}

/** An unparsable number (btest's masked `XXXXXXXXXX.XXXXXX` times) leaves the field unset. */
export function convert(raw: string, kind: Kind): ZeekScalar | undefined {
  switch (kind) {
    case Kind.Text:
      return unescapeZeek(raw);
    case Kind.Bool:
      return raw === 'T';
    case Kind.Time: {
      const seconds = Number(raw);
      return Number.isNaN(seconds) ? undefined : new ZeekTime(seconds * 1000);
    }
    default: {
      const n = Number(raw);
      return Number.isNaN(n) ? undefined : n;
    }
  }
}
