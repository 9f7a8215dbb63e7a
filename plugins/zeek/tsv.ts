import { ParseError } from '../logfile/parser.js';
import { type ZeekEntry, type ZeekRecord, type ZeekScalar, ZeekTime } from './values.js';

enum Kind {
  Text,
  Time,
  Real,
  Integer,
  Bool,
}

interface Column {
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
function unescapeZeek(text: string): string {
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

/**
 * Zeek's TSV (ASCII) log format. Stateful: `#separator`, `#set_separator`, `#empty_field`, `#unset_field`,
 * `#path` and `#fields`/`#types` apply to the lines that follow, and may change in the middle of a file
 * (concatenated logs). Other `#` lines (`#open`, `#close`, btest's `###`) are skipped.
 */
export class ZeekTsvParser {
  private separator = '\t';
  private setSeparator = ',';
  private emptyField = '(empty)';
  private unsetField = '-';
  private path: string | undefined;
  private names: string[] = [];
  private types: string[] = [];
  private columns: Column[] = [];
  private template: ZeekRecord = {};

  /** Returns undefined for header lines. */
  parse(line: string): ZeekEntry | undefined {
    if (line.charCodeAt(0) === 35 /* # */) {
      this.header(line);
      return undefined;
    }
    if (line.length === 0) return undefined;
    if (this.columns.length === 0) throw new ParseError('zeek tsv: data line before any #fields header');
    const values = line.split(this.separator);
    const columns = this.columns;
    if (values.length !== columns.length) {
      throw new ParseError(`zeek tsv: ${values.length} values for ${columns.length} fields`);
    }
    // A copy of the header's template, with every column already in place (unset ones stay undefined): all
    // records of a header share one shape, and filling them in adds no properties. Building each record
    // property by property was the costliest part of reading a conn.log.
    const record: ZeekRecord = { ...this.template };
    const unset = this.unsetField;
    const empty = this.emptyField;
    for (let i = 0; i < columns.length; i++) {
      const raw = values[i];
      if (raw === unset) continue;
      const col = columns[i];
      if (col.container) record[col.name] = raw === empty ? [] : this.items(raw, col.kind);
      else if (col.kind === Kind.Text) record[col.name] = raw === empty ? '' : unescapeZeek(raw);
      else record[col.name] = convert(raw, col.kind);
    }
    return { path: this.path, record };
  }

  private items(raw: string, kind: Kind): ZeekScalar[] {
    const converted: ZeekScalar[] = [];
    for (const item of raw.split(this.setSeparator)) {
      const value = convert(item, kind);
      if (value !== undefined) converted.push(value);
    }
    return converted;
  }

  private header(line: string): void {
    if (line.startsWith('#separator ')) {
      this.separator = unescapeZeek(line.slice('#separator '.length));
      return;
    }
    const cut = line.indexOf(this.separator);
    if (cut === -1) return;
    const key = line.slice(1, cut);
    const value = line.slice(cut + this.separator.length);
    switch (key) {
      case 'set_separator':
        this.setSeparator = unescapeZeek(value);
        break;
      case 'empty_field':
        this.emptyField = unescapeZeek(value);
        break;
      case 'unset_field':
        this.unsetField = unescapeZeek(value);
        break;
      case 'path':
        this.path = value;
        break;
      case 'fields':
        this.names = value.split(this.separator);
        this.types = [];
        this.rebuild();
        break;
      case 'types':
        this.types = value.split(this.separator);
        this.rebuild();
        break;
    }
  }

  private rebuild(): void {
    this.columns = this.names.map((name, i) => column(name, this.types[i]));
    this.template = Object.fromEntries(this.names.map((name) => [name, undefined]));
  }
}

/** An unparsable number (btest's masked `XXXXXXXXXX.XXXXXX` times) leaves the field unset. */
function convert(raw: string, kind: Kind): ZeekScalar | undefined {
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
