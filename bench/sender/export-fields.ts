/**
 * Where a replayed export's sequence number and times sit, so that a sender can move them on every loop: a collector
 * that keys documents by exporter, sequence and record then indexes new flows instead of overwriting old ones, and
 * the flows' times follow the clock instead of repeating a capture's.
 *
 * NetFlow v5 and v9 give flow times relative to the header's uptime and clock, so moving the header's clock moves
 * them. IPFIX (and some v9 exporters) also write absolute times into records: those fields are found through the
 * templates the stream announced before the record.
 */

/** How a time field counts: whole seconds (Unix, or an NTP timestamp's seconds word) or milliseconds in 64 bits. */
export type TimeUnit = 'seconds' | 'milliseconds';

export interface TimePatch {
  offset: number;
  unit: TimeUnit;
}

export interface ExportFields {
  version: 5 | 9 | 10;
  /** Byte offset of the header's sequence number (32 bits). */
  sequenceOffset: number;
  sequence: number;
  /** What the next export of the same domain would carry after this one: v9 counts exports, v5 and IPFIX records. */
  sequenceStep: number;
  /** The observation domain (IPFIX), source id (v9) or engine (v5) that the sequence counts in. */
  domain: number;
  /** The header's export time in Unix seconds. */
  exportSeconds: number;
  times: TimePatch[];
}

/** IPFIX information elements holding absolute times, by how they count (RFC 7011 section 6.1.7-6.1.9, IANA). */
const SECONDS_ELEMENTS = new Set([150, 151, 322]);
const MILLISECOND_ELEMENTS = new Set([152, 153, 160, 323]);
/** dateTimeMicroseconds/Nanoseconds: NTP timestamps, whose first word counts seconds. */
const NTP_ELEMENTS = new Set([154, 155, 156, 157, 324, 325]);

interface TemplateField {
  id: number;
  length: number;
}

/** Templates announced so far, per domain and template id, in one stream (one exporter). */
export class StreamTemplates {
  private readonly templates = new Map<string, TemplateField[]>();

  get(domain: number, id: number): TemplateField[] | undefined {
    return this.templates.get(`${domain}/${id}`);
  }

  set(domain: number, id: number, fields: TemplateField[]): void {
    this.templates.set(`${domain}/${id}`, fields);
  }
}

/** Reads where `data` keeps its sequence and times, learning the templates it announces; undefined if not an export. */
export function exportFields(data: Buffer, templates: StreamTemplates): ExportFields | undefined {
  if (data.length < 16) return undefined;
  const version = data.readUInt16BE(0);
  if (version === 5 && data.length >= 24) {
    return {
      version,
      sequenceOffset: 16,
      sequence: data.readUInt32BE(16),
      sequenceStep: data.readUInt16BE(2),
      domain: data.readUInt16BE(20),
      exportSeconds: data.readUInt32BE(8),
      times: [{ offset: 8, unit: 'seconds' }],
    };
  }
  if (version === 9 && data.length >= 20) {
    const domain = data.readUInt32BE(16);
    const fields: ExportFields = {
      version,
      sequenceOffset: 12,
      sequence: data.readUInt32BE(12),
      sequenceStep: 1,
      domain,
      exportSeconds: data.readUInt32BE(8),
      times: [{ offset: 8, unit: 'seconds' }],
    };
    walkSets(data, 20, data.length, domain, 9, templates, fields);
    return fields;
  }
  if (version === 10) {
    const length = Math.min(data.readUInt16BE(2), data.length);
    const domain = data.readUInt32BE(12);
    const fields: ExportFields = {
      version,
      sequenceOffset: 8,
      sequence: data.readUInt32BE(8),
      sequenceStep: 0,
      domain,
      exportSeconds: data.readUInt32BE(4),
      times: [{ offset: 4, unit: 'seconds' }],
    };
    walkSets(data, 16, length, domain, 10, templates, fields);
    return fields;
  }
  return undefined;
}

function walkSets(
  data: Buffer,
  start: number,
  end: number,
  domain: number,
  version: 9 | 10,
  templates: StreamTemplates,
  into: ExportFields,
): void {
  let at = start;
  while (at + 4 <= end) {
    const setId = data.readUInt16BE(at);
    const setLength = data.readUInt16BE(at + 2);
    if (setLength < 4 || at + setLength > end) return;
    const body = at + 4;
    const setEnd = at + setLength;
    if (setId === (version === 9 ? 0 : 2))
      readTemplates(data, body, setEnd, domain, version, templates, false);
    else if (setId === (version === 9 ? 1 : 3))
      readTemplates(data, body, setEnd, domain, version, templates, true);
    else if (setId >= 256) {
      const template = templates.get(domain, setId);
      if (template) readRecords(data, body, setEnd, template, into);
    }
    at = setEnd;
  }
}

function readTemplates(
  data: Buffer,
  start: number,
  end: number,
  domain: number,
  version: 9 | 10,
  templates: StreamTemplates,
  options: boolean,
): void {
  let at = start;
  while (at + 4 <= end) {
    const id = data.readUInt16BE(at);
    let count = data.readUInt16BE(at + 2);
    at += 4;
    if (options) {
      if (version === 9) {
        // v9 options templates give the scope and option lengths in bytes; fields are 4 bytes each.
        if (at + 2 > end) return;
        const optionBytes = data.readUInt16BE(at);
        count = (count + optionBytes) / 4;
        at += 2;
      } else {
        at += 2;
      }
    }
    if (id < 256 || count === 0) return;
    const fields: TemplateField[] = [];
    for (let i = 0; i < count; i++) {
      if (at + 4 > end) return;
      const raw = data.readUInt16BE(at);
      const length = data.readUInt16BE(at + 2);
      const enterprise = version === 10 && (raw & 0x8000) !== 0;
      at += enterprise ? 8 : 4;
      // Enterprise elements share numbers with IANA's but not meanings: never taken for times.
      fields.push({ id: enterprise ? -1 : raw, length });
    }
    templates.set(domain, id, fields);
  }
}

function readRecords(
  data: Buffer,
  start: number,
  end: number,
  template: TemplateField[],
  into: ExportFields,
): void {
  const minimum = template.reduce((n, f) => n + (f.length === 0xffff ? 1 : f.length), 0);
  let at = start;
  while (minimum > 0 && at + minimum <= end) {
    for (const field of template) {
      let length = field.length;
      if (length === 0xffff) {
        length = data[at];
        at += 1;
        if (length === 255) {
          if (at + 2 > end) return;
          length = data.readUInt16BE(at);
          at += 2;
        }
      }
      if (at + length > end) return;
      const patch = timePatch(field.id, length, at);
      if (patch) into.times.push(patch);
      at += length;
    }
    if (into.version === 10) into.sequenceStep++;
  }
}

function timePatch(id: number, length: number, offset: number): TimePatch | undefined {
  if (SECONDS_ELEMENTS.has(id) && length === 4) return { offset, unit: 'seconds' };
  if (MILLISECOND_ELEMENTS.has(id) && length === 8) return { offset, unit: 'milliseconds' };
  if (NTP_ELEMENTS.has(id) && length === 8) return { offset, unit: 'seconds' };
  return undefined;
}
