/** NetFlow v9 (RFC 3954): a header, then template, options template and data sets. */
import { V9_SCOPE_PEN } from '../registry/index.js';
import { type ExporterState, trackSequence } from './exporter-state.js';
import { type MessageContext, messageContext } from './message.js';
import { addTemplate, decodeSets, readFieldSpecs, readTemplate, type SetFormat } from './sets.js';
import type { DecoderSettings } from './settings.js';
import type { TemplateField } from './template.js';
import type { DecodedRecord, DecodeErrorKind } from './types.js';

const V9_HEADER = 20;

function readTemplateSet(data: Buffer, s: number, e: number, ctx: MessageContext): void {
  while (s + 4 <= e) {
    const id = data.readUInt16BE(s);
    const count = data.readUInt16BE(s + 2);
    s += 4;
    // Zeros after the last template are padding.
    if (id === 0 && count === 0) return;
    s = readTemplate(data, s, e, id, count, false, ctx);
    if (s < 0) return;
  }
}

/** v9 options templates give the scope and option fields' lengths in bytes; scope fields are v9's own elements. */
function readOptionsTemplateSet(data: Buffer, s: number, e: number, ctx: MessageContext): void {
  while (s + 6 <= e) {
    const id = data.readUInt16BE(s);
    const scopeBytes = data.readUInt16BE(s + 2);
    const optionBytes = data.readUInt16BE(s + 4);
    s += 6;
    if (id < 256) return;
    if (scopeBytes % 4 !== 0 || optionBytes % 4 !== 0 || s + scopeBytes + optionBytes > e) {
      ctx.error = 'bad-template';
      return;
    }
    const fields: TemplateField[] = [];
    s = readFieldSpecs(data, s, e, scopeBytes / 4, false, fields, V9_SCOPE_PEN);
    s = readFieldSpecs(data, s, e, optionBytes / 4, false, fields, 0);
    addTemplate(ctx, id, fields, scopeBytes / 4, true);
  }
}

const V9_SETS: SetFormat = {
  templateSetId: 0,
  optionsTemplateSetId: 1,
  readTemplateSet,
  readOptionsTemplateSet,
};

/** Decodes one v9 export packet into `out`; returns what was malformed, if anything. */
export function decodeV9(
  data: Buffer,
  state: ExporterState,
  now: number,
  out: DecodedRecord[],
  settings: DecoderSettings,
): DecodeErrorKind | undefined {
  if (data.length < V9_HEADER) return 'truncated';
  const sequence = data.readUInt32BE(12);
  const domainId = data.readUInt32BE(16);
  const domain = state.domain(9, domainId);
  if (!domain) return 'domain-limit';
  // The v9 header dates the export to the second only, and flow times hang off it. When the datagram
  // arrived within that second, its arrival is the better export time: flows keep their sub-second order
  // relative to other exporters (v5 and IPFIX timestamps carry the fraction themselves).
  const headerMs = data.readUInt32BE(8) * 1000;
  const exportTime = now >= headerMs && now < headerMs + 1000 ? now : headerMs;
  const ctx = messageContext(settings, state, domain, out, {
    version: 9,
    sequence,
    exportTime,
    sysUptime: data.readUInt32BE(4),
    receivedAt: now,
  });
  trackSequence(domain, state.stats, sequence, 1);
  decodeSets(data, V9_HEADER, data.length, V9_SETS, ctx);
  return ctx.error;
}
