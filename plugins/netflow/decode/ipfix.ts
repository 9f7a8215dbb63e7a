/**
 * IPFIX (RFC 7011): messages of a header and template, options template and data sets; a datagram may carry
 * several. Unlike v9, field specifiers may name an enterprise and a template record of no fields withdraws.
 */
import { type ExporterState, trackSequence } from './exporter-state.js';
import { type MessageContext, messageContext } from './message.js';
import { addTemplate, decodeSets, readFieldSpecs, readTemplate, type SetFormat } from './sets.js';
import type { DecoderSettings } from './settings.js';
import type { TemplateField } from './template.js';
import type { DecodedRecord, DecodeErrorKind } from './types.js';

const IPFIX_HEADER = 16;

function withdraw(ctx: MessageContext, id: number): void {
  const { domain, state } = ctx;
  // Template id 2 (or 3) with no fields withdraws all (options) templates of the domain.
  const ids = id === 2 || id === 3 ? [...domain.templates.keys()] : [id];
  for (const templateId of ids) {
    const entry = domain.templates.get(templateId);
    if (!entry || (id === 3 && !entry.template.isOptions) || (id === 2 && entry.template.isOptions)) continue;
    state.dropTemplate(domain, templateId);
    state.stats.templateWithdrawals++;
  }
}

function readTemplateSet(data: Buffer, s: number, e: number, ctx: MessageContext): void {
  while (s + 4 <= e) {
    const id = data.readUInt16BE(s);
    const count = data.readUInt16BE(s + 2);
    s += 4;
    if (count === 0) {
      withdraw(ctx, id);
      continue;
    }
    s = readTemplate(data, s, e, id, count, true, ctx);
    if (s < 0) return;
  }
}

function readOptionsTemplateSet(data: Buffer, s: number, e: number, ctx: MessageContext): void {
  while (s + 4 <= e) {
    const id = data.readUInt16BE(s);
    const count = data.readUInt16BE(s + 2);
    if (count === 0) {
      s += 4;
      withdraw(ctx, id);
      continue;
    }
    if (id === 0) return;
    if (s + 6 > e) {
      ctx.error = 'bad-template';
      return;
    }
    const scopeCount = data.readUInt16BE(s + 4);
    s += 6;
    if (id < 256 || scopeCount === 0 || scopeCount > count) {
      ctx.error = 'bad-template';
      return;
    }
    const fields: TemplateField[] = [];
    s = readFieldSpecs(data, s, e, count, true, fields, 0);
    if (s < 0) {
      ctx.error = 'bad-template';
      return;
    }
    addTemplate(ctx, id, fields, scopeCount, true);
  }
}

const IPFIX_SETS: SetFormat = {
  templateSetId: 2,
  optionsTemplateSetId: 3,
  readTemplateSet,
  readOptionsTemplateSet,
};

/** Decodes the IPFIX messages of one datagram into `out`; returns what was malformed, if anything. */
export function decodeIpfix(
  data: Buffer,
  state: ExporterState,
  now: number,
  out: DecodedRecord[],
  settings: DecoderSettings,
): DecodeErrorKind | undefined {
  let offset = 0;
  // A datagram may carry several IPFIX messages (RFC 7011 §10.3.2 allows it; logstash's ipfix.dat has three).
  while (offset + IPFIX_HEADER <= data.length && data.readUInt16BE(offset) === 10) {
    const length = data.readUInt16BE(offset + 2);
    if (length < IPFIX_HEADER || offset + length > data.length)
      return offset === 0 ? 'bad-length' : 'truncated';
    const sequence = data.readUInt32BE(offset + 8);
    const domainId = data.readUInt32BE(offset + 12);
    const domain = state.domain(10, domainId);
    if (!domain) return 'domain-limit';
    const ctx = messageContext(settings, state, domain, out, {
      version: 10,
      sequence,
      exportTime: data.readUInt32BE(offset + 4) * 1000,
      sysUptime: -1,
      receivedAt: now,
    });
    decodeSets(data, offset + IPFIX_HEADER, offset + length, IPFIX_SETS, ctx);
    if (ctx.dataRecords >= 0) {
      trackSequence(domain, state.stats, sequence, ctx.dataRecords, ctx.dataRecords - ctx.optionsRecords);
    } else domain.expectedSequence = -1;
    if (ctx.error) return ctx.error;
    offset += length;
  }
  return offset === 0 ? 'bad-length' : undefined;
}
