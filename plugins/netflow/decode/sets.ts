/**
 * What v9 and IPFIX messages share: a sequence of sets, each a template set, an options template set or a data set
 * of a template learnt earlier (or, when it is unknown yet, kept in the pending buffer). The formats differ in
 * their set ids and in how their template records are written, which each format reads itself (`v9.ts`,
 * `ipfix.ts`) into the shared template cache here.
 */
import type { MessageContext } from './message.js';
import { bufferSet, replayPending } from './pending.js';
import { readRecords } from './records.js';
import { compileTemplate, type TemplateField, templateSignature } from './template.js';

/** Separates set number and record number inside a record index (a message has < 65536 of each). */
const SET_STRIDE = 65536;

/** Template sets of one message format; set ids from 256 on are data sets in both. */
export interface SetFormat {
  readonly templateSetId: number;
  readonly optionsTemplateSetId: number;
  /** Each reads the body of one set, from `s` to `e`, and sets `ctx.error` when it is malformed. */
  readonly readTemplateSet: (data: Buffer, s: number, e: number, ctx: MessageContext) => void;
  readonly readOptionsTemplateSet: (data: Buffer, s: number, e: number, ctx: MessageContext) => void;
}

/** Reads the sets from `start` to `end`, stopping at the first malformed one (`ctx.error`). */
export function decodeSets(
  data: Buffer,
  start: number,
  end: number,
  format: SetFormat,
  ctx: MessageContext,
): void {
  let o = start;
  let setNumber = 0;
  while (o + 4 <= end) {
    const setId = (data[o] << 8) | data[o + 1];
    const setLength = (data[o + 2] << 8) | data[o + 3];
    if (setLength < 4) {
      // Exporters pad datagrams with zeros after the last set (Palo Alto); anything else is garbage.
      if (setId !== 0 || setLength !== 0) ctx.error = 'bad-set';
      return;
    }
    if (o + setLength > end) {
      ctx.error = 'bad-set';
      return;
    }
    const bodyStart = o + 4;
    const bodyEnd = o + setLength;
    if (setId === format.templateSetId) format.readTemplateSet(data, bodyStart, bodyEnd, ctx);
    else if (setId === format.optionsTemplateSetId)
      format.readOptionsTemplateSet(data, bodyStart, bodyEnd, ctx);
    else if (setId >= 256) readDataSet(data, bodyStart, bodyEnd, setId, setNumber * SET_STRIDE, ctx);
    if (ctx.error) return;
    o = bodyEnd;
    setNumber++;
  }
}

/**
 * Reads `count` field specifiers into `into`, with `pen` unless `enterprise` (IPFIX) lets a specifier name its
 * own; returns the offset after them or -1 when they run past `end`.
 */
export function readFieldSpecs(
  data: Buffer,
  s: number,
  end: number,
  count: number,
  enterprise: boolean,
  into: TemplateField[],
  pen: number,
): number {
  for (let i = 0; i < count; i++) {
    if (s < 0 || s + 4 > end) return -1;
    let id = data.readUInt16BE(s);
    const length = data.readUInt16BE(s + 2);
    s += 4;
    let fieldPen = pen;
    if (enterprise && id & 0x8000) {
      if (s + 4 > end) return -1;
      fieldPen = data.readUInt32BE(s);
      s += 4;
      id &= 0x7fff;
    }
    into.push({ pen: fieldPen, id, length });
  }
  return s;
}

/**
 * Reads the fields of (non-options) template `id` at `s` and learns it; returns the offset after it, or -1 with
 * `ctx.error` set when it is malformed.
 */
export function readTemplate(
  data: Buffer,
  s: number,
  e: number,
  id: number,
  count: number,
  enterprise: boolean,
  ctx: MessageContext,
): number {
  if (id < 256) {
    ctx.error = 'bad-template';
    return -1;
  }
  const fields: TemplateField[] = [];
  const next = readFieldSpecs(data, s, e, count, enterprise, fields, 0);
  if (next < 0) {
    ctx.error = 'bad-template';
    return -1;
  }
  addTemplate(ctx, id, fields, 0, false);
  return next;
}

/**
 * Learns a template announced in the message, or only notes that it is still current when announced unchanged,
 * and decodes the sets that waited for it.
 */
export function addTemplate(
  ctx: MessageContext,
  id: number,
  fields: TemplateField[],
  scopeCount: number,
  isOptions: boolean,
): void {
  const { domain, state, packet } = ctx;
  const now = packet.receivedAt;
  const existing = domain.templates.get(id);
  if (existing && existing.template.signature === templateSignature(fields, scopeCount, isOptions)) {
    existing.updatedAt = now;
    return;
  }
  if (state.refusesTemplate(domain, id, fields.length)) {
    // The exporter redefined the id: its data no longer fits the template held.
    if (existing) state.dropTemplate(domain, id);
    return;
  }
  const template = compileTemplate(id, fields, scopeCount, isOptions, packet.version === 9);
  state.putTemplate(domain, { template, updatedAt: now });
  state.stats.templates++;
  replayPending(ctx, id);
}

/**
 * A copy of its own memory. Small `Buffer.from` copies share 8 KiB pool slabs, and one kept set holds its whole slab:
 * 27 MB of pending sets from 300 exporters kept RSS 170 MB higher that way, and the pending byte bound would not
 * bound memory.
 */
function copyUnpooled(data: Buffer, s: number, e: number): Buffer {
  const copy = Buffer.allocUnsafeSlow(e - s);
  data.copy(copy, 0, s, e);
  return copy;
}

function readDataSet(
  data: Buffer,
  s: number,
  e: number,
  templateId: number,
  firstIndex: number,
  ctx: MessageContext,
): void {
  const { domain, state, packet, settings } = ctx;
  const entry = domain.templates.get(templateId);
  if (entry && packet.receivedAt - entry.updatedAt > settings.templateTtlMs) {
    state.dropTemplate(domain, templateId);
    state.stats.templatesExpired++;
  } else if (entry) {
    const override = settings.overrides.get(state.address);
    const count = readRecords(
      entry.template,
      data,
      s,
      e,
      packet,
      firstIndex,
      ctx.out,
      state,
      domain,
      override,
    );
    if (count < 0) ctx.error = 'bad-template';
    else if (ctx.dataRecords >= 0) {
      ctx.dataRecords += count;
      if (entry.template.isOptions) ctx.optionsRecords += count;
    }
    return;
  }
  state.stats.templateMisses++;
  ctx.dataRecords = -1;
  bufferSet(
    state,
    {
      domainKey: domain.key,
      templateId,
      data: copyUnpooled(data, s, e),
      version: packet.version,
      domainId: packet.domainId,
      sequence: packet.sequence,
      exportTime: packet.exportTime,
      sysUptime: packet.sysUptime,
      receivedAt: packet.receivedAt,
      firstIndex,
    },
    settings,
  );
}
