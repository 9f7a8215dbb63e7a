import { V9_SCOPE_PEN } from '../registry/index.js';
import type { PendingSet } from './exporter-state.js';
import { type DomainState, ExporterState, trackSequence } from './exporter-state.js';
import { LEGACY_FORMATS } from './legacy.js';
import type { CompiledTemplate, TemplateField } from './template.js';
import { compileTemplate, readRecord, templateSignature } from './template.js';
import type {
  DecodedRecord,
  DecodeErrorKind,
  DecodeResult,
  ExporterStats,
  FieldValue,
  PacketInfo,
} from './types.js';

export interface DecoderOptions {
  /** A template not refreshed for this long is forgotten (exporters resend them periodically). Default 30 min. */
  templateTtlMs?: number;
  /** Cap on templates per exporter, over all its domains: a flood of template ids cannot exhaust memory. Default 1024. */
  maxTemplatesPerExporter?: number;
  /** Data sets kept per exporter while their template is unknown. Default 64. */
  maxPendingPerExporter?: number;
  /** How long such a set waits for its template. Default 60 s. */
  pendingTtlMs?: number;
  /** Distinct exporters (ip:port) tracked; packets from more are rejected. Default 10 000. */
  maxExporters?: number;
  /** Sampling rate per exporter IP, overriding whatever the exporter announces. */
  samplingRateOverrides?: Record<string, number>;
}

/** Persistable state: templates and what options data taught about sampling and time. */
export interface DecoderSnapshot {
  version: 1;
  exporters: Array<{
    address: string;
    port: number;
    domains: Array<{
      version: number;
      id: number;
      systemInitMs: number;
      defaultRate: number;
      samplerRates: Array<[number, number]>;
      templates: Array<{
        id: number;
        scopeCount: number;
        isOptions: boolean;
        fields: Array<[pen: number, id: number, length: number]>;
        updatedAt: number;
      }>;
    }>;
  }>;
}

const IPFIX_HEADER = 16;
const V9_HEADER = 20;
const MAX_SAMPLERS_PER_DOMAIN = 1024;
/** Separates set number and record number inside a record index (a message has < 65536 of each). */
const SET_STRIDE = 65536;

interface MessageContext {
  state: ExporterState;
  domain: DomainState;
  packet: PacketInfo;
  out: DecodedRecord[];
  /** Data records decoded in this message, for IPFIX sequence accounting; -1 once a set could not be counted. */
  dataRecords: number;
  optionsRecords: number;
  error?: DecodeErrorKind;
}

/** The state one v9 or IPFIX message is decoded with; the exporter and domain fill in the packet's identity. */
function messageContext(
  state: ExporterState,
  domain: DomainState,
  out: DecodedRecord[],
  header: Pick<PacketInfo, 'version' | 'sequence' | 'exportTime' | 'sysUptime' | 'receivedAt'>,
): MessageContext {
  return {
    state,
    domain,
    out,
    dataRecords: 0,
    optionsRecords: 0,
    packet: {
      exporter: state.address,
      port: state.port,
      version: header.version,
      domainId: domain.id,
      sequence: header.sequence,
      exportTime: header.exportTime,
      sysUptime: header.sysUptime,
      receivedAt: header.receivedAt,
      domain,
    },
  };
}

/**
 * NetFlow v1/v5/v7/v9 and IPFIX decoder with per-exporter template cache, sampling and sequence state.
 * `decode` never throws on packet content: problems are counted per exporter and reported in the result.
 */
export class NetflowDecoder {
  private readonly exporters = new Map<string, ExporterState>();
  private readonly templateTtlMs: number;
  private readonly maxTemplates: number;
  private readonly maxPending: number;
  private readonly pendingTtlMs: number;
  private readonly maxExporters: number;
  private readonly overrides: Map<string, number>;
  /** Packets refused because `maxExporters` was reached. */
  rejectedExporterPackets = 0;

  constructor(options: DecoderOptions = {}) {
    this.templateTtlMs = options.templateTtlMs ?? 30 * 60_000;
    this.maxTemplates = options.maxTemplatesPerExporter ?? 1024;
    this.maxPending = options.maxPendingPerExporter ?? 64;
    this.pendingTtlMs = options.pendingTtlMs ?? 60_000;
    this.maxExporters = options.maxExporters ?? 10_000;
    this.overrides = new Map(Object.entries(options.samplingRateOverrides ?? {}));
  }

  decode(data: Buffer, exporter: string, port: number, receivedAt: number = Date.now()): DecodeResult {
    const key = `${exporter}:${port}`;
    let state = this.exporters.get(key);
    if (!state) {
      if (this.exporters.size >= this.maxExporters) {
        this.rejectedExporterPackets++;
        return { records: [], error: 'exporter-limit' };
      }
      state = new ExporterState(exporter, port);
      this.exporters.set(key, state);
    }
    state.stats.packets++;
    const out: DecodedRecord[] = [];
    let error: DecodeErrorKind | undefined;
    if (data.length < 4) {
      error = 'truncated';
    } else {
      const version = (data[0] << 8) | data[1];
      if (version === 9) error = this.decodeV9(data, state, receivedAt, out);
      else if (version === 10) error = this.decodeIpfix(data, state, receivedAt, out);
      else if (LEGACY_FORMATS[version]) error = this.decodeLegacy(data, version, state, receivedAt, out);
      else error = 'unsupported-version';
    }
    if (error) state.stats.malformed++;
    return error ? { records: out, error } : { records: out };
  }

  private decodeLegacy(
    data: Buffer,
    version: number,
    state: ExporterState,
    now: number,
    out: DecodedRecord[],
  ) {
    const format = LEGACY_FORMATS[version];
    let offset = 0;
    // Some collectors hand over several v5 messages back to back (logstash's netflow5.dat): read them all.
    while (
      offset + format.headerLength <= data.length &&
      ((data[offset] << 8) | data[offset + 1]) === version
    ) {
      const count = data.readUInt16BE(offset + 2);
      const end = offset + format.headerLength + count * format.recordLength;
      if (count === 0 || count > format.maxCount) return 'bad-count';
      if (end > data.length) return 'truncated';
      const sysUptime = data.readUInt32BE(offset + 4);
      const exportTime =
        data.readUInt32BE(offset + 8) * 1000 + Math.floor(data.readUInt32BE(offset + 12) / 1e6);
      const sequence = format.hasSequence ? data.readUInt32BE(offset + 16) : 0;
      const domainId = version === 5 ? data.readUInt16BE(offset + 20) : 0;
      const domain = state.domain(version, domainId);
      if (version === 5) {
        const interval = data.readUInt16BE(offset + 22) & 0x3fff;
        if (interval > 1) domain.defaultRate = interval;
      }
      if (format.hasSequence) trackSequence(domain, state.stats, sequence, count);
      const packet: PacketInfo = {
        exporter: state.address,
        port: state.port,
        version,
        domainId,
        sequence,
        exportTime,
        sysUptime,
        receivedAt: now,
        domain,
      };
      const template = format.template;
      const rate = this.overrides.get(state.address) ?? (domain.defaultRate || 1);
      let o = offset + format.headerLength;
      for (let i = 0; i < count; i++) {
        const values: FieldValue[] = new Array(template.kinds.length);
        o = readRecord(template, data, o, end, values);
        out.push({ packet, template, values, index: i, samplingRate: rate });
      }
      state.stats.records += count;
      offset = end;
    }
    return undefined;
  }

  private decodeV9(data: Buffer, state: ExporterState, now: number, out: DecodedRecord[]) {
    if (data.length < V9_HEADER) return 'truncated';
    const sequence = data.readUInt32BE(12);
    const domainId = data.readUInt32BE(16);
    const domain = state.domain(9, domainId);
    // The v9 header dates the export to the second only, and flow times hang off it. When the datagram
    // arrived within that second, its arrival is the better export time: flows keep their sub-second order
    // relative to other exporters (v5 and IPFIX timestamps carry the fraction themselves).
    const headerMs = data.readUInt32BE(8) * 1000;
    const exportTime = now >= headerMs && now < headerMs + 1000 ? now : headerMs;
    const ctx = messageContext(state, domain, out, {
      version: 9,
      sequence,
      exportTime,
      sysUptime: data.readUInt32BE(4),
      receivedAt: now,
    });
    trackSequence(domain, state.stats, sequence, 1);
    this.decodeSets(data, V9_HEADER, data.length, false, ctx);
    return ctx.error;
  }

  private decodeIpfix(data: Buffer, state: ExporterState, now: number, out: DecodedRecord[]) {
    let offset = 0;
    // A datagram may carry several IPFIX messages (RFC 7011 §10.3.2 allows it; logstash's ipfix.dat has three).
    while (offset + IPFIX_HEADER <= data.length && data.readUInt16BE(offset) === 10) {
      const length = data.readUInt16BE(offset + 2);
      if (length < IPFIX_HEADER || offset + length > data.length)
        return offset === 0 ? 'bad-length' : 'truncated';
      const sequence = data.readUInt32BE(offset + 8);
      const domainId = data.readUInt32BE(offset + 12);
      const domain = state.domain(10, domainId);
      const ctx = messageContext(state, domain, out, {
        version: 10,
        sequence,
        exportTime: data.readUInt32BE(offset + 4) * 1000,
        sysUptime: -1,
        receivedAt: now,
      });
      this.decodeSets(data, offset + IPFIX_HEADER, offset + length, true, ctx);
      if (ctx.dataRecords >= 0) {
        trackSequence(domain, state.stats, sequence, ctx.dataRecords, ctx.dataRecords - ctx.optionsRecords);
      } else domain.expectedSequence = -1;
      if (ctx.error) return ctx.error;
      offset += length;
    }
    return offset === 0 ? 'bad-length' : undefined;
  }

  private decodeSets(data: Buffer, start: number, end: number, ipfix: boolean, ctx: MessageContext): void {
    const templateSet = ipfix ? 2 : 0;
    const optionsSet = ipfix ? 3 : 1;
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
      if (setId === templateSet) this.readTemplateSet(data, bodyStart, bodyEnd, ipfix, ctx);
      else if (setId === optionsSet) {
        if (ipfix) this.readIpfixOptionsTemplateSet(data, bodyStart, bodyEnd, ctx);
        else this.readV9OptionsTemplateSet(data, bodyStart, bodyEnd, ctx);
      } else if (setId >= 256) this.readDataSet(data, bodyStart, bodyEnd, setId, setNumber * SET_STRIDE, ctx);
      if (ctx.error) return;
      o = bodyEnd;
      setNumber++;
    }
  }

  private readTemplateSet(data: Buffer, s: number, e: number, ipfix: boolean, ctx: MessageContext): void {
    while (s + 4 <= e) {
      const id = data.readUInt16BE(s);
      const count = data.readUInt16BE(s + 2);
      s += 4;
      if (ipfix && count === 0) {
        this.withdraw(ctx, id);
        continue;
      }
      // Zeros after the last template are padding.
      if (id === 0 && count === 0) return;
      if (id < 256) {
        ctx.error = 'bad-template';
        return;
      }
      const fields: TemplateField[] = [];
      s = readFieldSpecs(data, s, e, count, ipfix, fields, 0);
      if (s < 0) {
        ctx.error = 'bad-template';
        return;
      }
      this.addTemplate(ctx, id, fields, 0, false);
    }
  }

  private readV9OptionsTemplateSet(data: Buffer, s: number, e: number, ctx: MessageContext): void {
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
      this.addTemplate(ctx, id, fields, scopeBytes / 4, true);
    }
  }

  private readIpfixOptionsTemplateSet(data: Buffer, s: number, e: number, ctx: MessageContext): void {
    while (s + 4 <= e) {
      const id = data.readUInt16BE(s);
      const count = data.readUInt16BE(s + 2);
      if (count === 0) {
        s += 4;
        this.withdraw(ctx, id);
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
      this.addTemplate(ctx, id, fields, scopeCount, true);
    }
  }

  private withdraw(ctx: MessageContext, id: number): void {
    const { domain, state } = ctx;
    // Template id 2 (or 3) with no fields withdraws all (options) templates of the domain.
    const ids = id === 2 || id === 3 ? [...domain.templates.keys()] : [id];
    for (const templateId of ids) {
      const entry = domain.templates.get(templateId);
      if (!entry || (id === 3 && !entry.template.isOptions) || (id === 2 && entry.template.isOptions))
        continue;
      domain.templates.delete(templateId);
      state.templateCount--;
      state.stats.templateWithdrawals++;
    }
  }

  private addTemplate(
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
    if (!existing && state.templateCount >= this.maxTemplates) {
      state.stats.templatesRejected++;
      return;
    }
    const template = compileTemplate(id, fields, scopeCount, isOptions, packet.version === 9);
    domain.templates.set(id, { template, updatedAt: now });
    if (!existing) state.templateCount++;
    state.stats.templates++;
    this.replayPending(ctx, domain, id);
  }

  private readDataSet(
    data: Buffer,
    s: number,
    e: number,
    templateId: number,
    firstIndex: number,
    ctx: MessageContext,
  ) {
    const { domain, state, packet } = ctx;
    const entry = domain.templates.get(templateId);
    if (entry && packet.receivedAt - entry.updatedAt > this.templateTtlMs) {
      domain.templates.delete(templateId);
      state.templateCount--;
      state.stats.templatesExpired++;
    } else if (entry) {
      const count = this.readRecords(entry.template, data, s, e, packet, firstIndex, ctx.out, state, domain);
      if (count < 0) ctx.error = 'bad-template';
      else if (ctx.dataRecords >= 0) {
        ctx.dataRecords += count;
        if (entry.template.isOptions) ctx.optionsRecords += count;
      }
      return;
    }
    state.stats.templateMisses++;
    ctx.dataRecords = -1;
    this.bufferSet(state, {
      domainKey: domain.key,
      templateId,
      data: Buffer.from(data.subarray(s, e)),
      version: packet.version,
      domainId: packet.domainId,
      sequence: packet.sequence,
      exportTime: packet.exportTime,
      sysUptime: packet.sysUptime,
      receivedAt: packet.receivedAt,
      firstIndex,
    });
  }

  /** Decodes every record of a data set; returns how many, or -1 when the template cannot delimit records. */
  private readRecords(
    template: CompiledTemplate,
    data: Buffer,
    s: number,
    e: number,
    packet: PacketInfo,
    firstIndex: number,
    out: DecodedRecord[],
    state: ExporterState,
    domain: DomainState,
  ): number {
    // A template whose fields are all zero-length would "read" endless empty records.
    if (template.minLength === 0) return -1;
    const n = template.kinds.length;
    let o = s;
    let count = 0;
    const override = this.overrides.get(state.address);
    while (o < e) {
      const values: FieldValue[] = new Array(n);
      const next = readRecord(template, data, o, e, values);
      if (next < 0) break;
      o = next;
      let rate = 1;
      if (template.isOptions) {
        this.applyOptions(domain, template, values);
        state.stats.optionsRecords++;
      } else {
        rate = override ?? samplingRate(domain, template, values);
        state.stats.records++;
      }
      out.push({ packet, template, values, index: firstIndex + count, samplingRate: rate });
      count++;
    }
    return count;
  }

  private applyOptions(domain: DomainState, t: CompiledTemplate, v: FieldValue[]): void {
    const at = t.at;
    const init = at.systemInitMillis >= 0 ? v[at.systemInitMillis] : undefined;
    if (typeof init === 'number') domain.systemInitMs = init;
    const rate = announcedRate(t, v);
    if (rate <= 0) return;
    const sampler = at.samplerId >= 0 ? v[at.samplerId] : at.selectorId >= 0 ? v[at.selectorId] : undefined;
    if (typeof sampler === 'number') {
      if (domain.samplerRates.has(sampler) || domain.samplerRates.size < MAX_SAMPLERS_PER_DOMAIN) {
        domain.samplerRates.set(sampler, rate);
      }
      // Data records that do not name their sampler get the last one announced.
      domain.defaultRate = rate;
    } else {
      domain.defaultRate = rate;
    }
  }

  private bufferSet(state: ExporterState, set: PendingSet): void {
    const pending = state.pending;
    while (pending.length > 0 && set.receivedAt - pending[0].receivedAt > this.pendingTtlMs) {
      pending.shift();
      state.stats.expired++;
    }
    if (this.maxPending <= 0) {
      state.stats.expired++;
      return;
    }
    if (pending.length >= this.maxPending) {
      pending.shift();
      state.stats.expired++;
    }
    pending.push(set);
    state.stats.buffered++;
  }

  private replayPending(ctx: MessageContext, domain: DomainState, templateId: number): void {
    const { state } = ctx;
    const pending = state.pending;
    for (let i = 0; i < pending.length; i++) {
      const set = pending[i];
      if (set.domainKey !== domain.key || set.templateId !== templateId) continue;
      pending.splice(i--, 1);
      const entry = domain.templates.get(templateId);
      if (!entry) return;
      if (ctx.packet.receivedAt - set.receivedAt > this.pendingTtlMs) {
        state.stats.expired++;
        continue;
      }
      const packet: PacketInfo = {
        exporter: state.address,
        port: state.port,
        version: set.version,
        domainId: set.domainId,
        sequence: set.sequence,
        exportTime: set.exportTime,
        sysUptime: set.sysUptime,
        receivedAt: set.receivedAt,
        domain,
      };
      this.readRecords(
        entry.template,
        set.data,
        0,
        set.data.length,
        packet,
        set.firstIndex,
        ctx.out,
        state,
        domain,
      );
      state.stats.bufferedDecoded++;
    }
  }

  /** Forgets templates and buffered sets older than their time to live; call it now and then. */
  expire(now: number = Date.now()): void {
    for (const state of this.exporters.values()) {
      for (const domain of state.domains.values()) {
        for (const [id, entry] of domain.templates) {
          if (now - entry.updatedAt > this.templateTtlMs) {
            domain.templates.delete(id);
            state.templateCount--;
            state.stats.templatesExpired++;
          }
        }
      }
      while (state.pending.length > 0 && now - state.pending[0].receivedAt > this.pendingTtlMs) {
        state.pending.shift();
        state.stats.expired++;
      }
    }
  }

  /** Counters per exporter, keyed `ip:port`. */
  stats(): Record<string, ExporterStats> {
    const result: Record<string, ExporterStats> = {};
    for (const [key, state] of this.exporters) result[key] = { ...state.stats };
    return result;
  }

  /** Templates held now, over all exporters (for tests and metrics). */
  templateCount(): number {
    let count = 0;
    for (const state of this.exporters.values()) count += state.templateCount;
    return count;
  }

  pendingCount(): number {
    let count = 0;
    for (const state of this.exporters.values()) count += state.pending.length;
    return count;
  }

  snapshot(): DecoderSnapshot {
    const exporters: DecoderSnapshot['exporters'] = [];
    for (const state of this.exporters.values()) {
      const domains: DecoderSnapshot['exporters'][number]['domains'] = [];
      for (const domain of state.domains.values()) {
        domains.push({
          version: domain.version,
          id: domain.id,
          systemInitMs: domain.systemInitMs,
          defaultRate: domain.defaultRate,
          samplerRates: [...domain.samplerRates],
          templates: [...domain.templates.values()].map(({ template, updatedAt }) => ({
            id: template.id,
            scopeCount: template.scopeCount,
            isOptions: template.isOptions,
            fields: template.fields.map((f) => [f.pen, f.id, f.length] as [number, number, number]),
            updatedAt,
          })),
        });
      }
      exporters.push({ address: state.address, port: state.port, domains });
    }
    return { version: 1, exporters };
  }

  /** Loads a snapshot (e.g. read back from JSON at start-up); templates older than the TTL are skipped. */
  restore(snapshot: DecoderSnapshot, now: number = Date.now()): void {
    if (snapshot?.version !== 1 || !Array.isArray(snapshot.exporters)) return;
    for (const exporter of snapshot.exporters) {
      const key = `${exporter.address}:${exporter.port}`;
      let state = this.exporters.get(key);
      if (!state) {
        if (this.exporters.size >= this.maxExporters) continue;
        state = new ExporterState(exporter.address, exporter.port);
        this.exporters.set(key, state);
      }
      for (const saved of exporter.domains) {
        const domain = state.domain(saved.version, saved.id);
        domain.systemInitMs = saved.systemInitMs;
        domain.defaultRate = saved.defaultRate;
        for (const [sampler, rate] of saved.samplerRates.slice(0, MAX_SAMPLERS_PER_DOMAIN)) {
          domain.samplerRates.set(sampler, rate);
        }
        for (const t of saved.templates) {
          if (now - t.updatedAt > this.templateTtlMs || state.templateCount >= this.maxTemplates) continue;
          const fields = t.fields.map(([pen, id, length]) => ({ pen, id, length }));
          const template = compileTemplate(t.id, fields, t.scopeCount, t.isOptions, saved.version === 9);
          if (!domain.templates.has(t.id)) state.templateCount++;
          domain.templates.set(t.id, { template, updatedAt: t.updatedAt });
        }
      }
    }
  }
}

/** Reads `count` field specifiers; returns the offset after them or -1 when they run past `end`. */
function readFieldSpecs(
  data: Buffer,
  s: number,
  end: number,
  count: number,
  ipfix: boolean,
  into: TemplateField[],
  pen: number,
): number {
  for (let i = 0; i < count; i++) {
    if (s < 0 || s + 4 > end) return -1;
    let id = data.readUInt16BE(s);
    const length = data.readUInt16BE(s + 2);
    s += 4;
    let fieldPen = pen;
    if (ipfix && id & 0x8000) {
      if (s + 4 > end) return -1;
      fieldPen = data.readUInt32BE(s);
      s += 4;
      id &= 0x7fff;
    }
    into.push({ pen: fieldPen, id, length });
  }
  return s;
}

/** The sampling rate an options or data record announces, 0 when none. */
function announcedRate(t: CompiledTemplate, v: FieldValue[]): number {
  const at = t.at;
  const num = (i: number) => {
    const value = i >= 0 ? v[i] : undefined;
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
  };
  const interval = num(at.samplingInterval) || num(at.samplerRandomInterval);
  if (interval > 0) return interval;
  const packetInterval = num(at.samplingPacketInterval);
  if (packetInterval > 0) return (packetInterval + num(at.samplingPacketSpace)) / packetInterval;
  const probability = num(at.samplingProbability);
  if (probability > 0 && probability <= 1) return 1 / probability;
  const size = num(at.samplingSize);
  const population = num(at.samplingPopulation);
  if (size > 0 && population >= size) return population / size;
  return 0;
}

function samplingRate(domain: DomainState, t: CompiledTemplate, v: FieldValue[]): number {
  const at = t.at;
  if (at.samplingInterval >= 0 || at.samplerRandomInterval >= 0) {
    const inline = announcedRate(t, v);
    if (inline > 0) return inline;
  }
  const sampler = at.samplerId >= 0 ? v[at.samplerId] : at.selectorId >= 0 ? v[at.selectorId] : undefined;
  if (typeof sampler === 'number') {
    const rate = domain.samplerRates.get(sampler);
    if (rate !== undefined) return rate;
  }
  return domain.defaultRate || 1;
}
