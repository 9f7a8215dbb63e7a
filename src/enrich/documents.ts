import type { PipelineRecord, Source, SourceContext } from '../pipeline/types.js';
import { JsonRecord } from '../schema/json-record.js';
import { mergeInto } from '../schema/merge.js';
import type { Enrichers } from './enrichers.js';
import { Additions, type EnrichSubject, type ObserverSubject } from './types.js';

type Doc = Record<string, unknown>;

function objectAt(doc: Doc, key: string): Doc | undefined {
  const value = doc[key];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Doc) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function integer(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function interfaceOf(
  observer: Doc | undefined,
  side: 'ingress' | 'egress',
): { interface: { id: string } } | undefined {
  const raw = objectAt(objectAt(observer ?? {}, side) ?? {}, 'interface')?.id;
  const id = typeof raw === 'number' ? String(raw) : text(raw);
  return id === undefined ? undefined : { interface: { id } };
}

function observerOf(doc: Doc): ObserverSubject | undefined {
  const observer = objectAt(doc, 'observer');
  const ip = text(observer?.ip);
  if (ip === undefined) return undefined;
  return { ip, ingress: interfaceOf(observer, 'ingress'), egress: interfaceOf(observer, 'egress') };
}

/** What enrichers read of a document that was not written from flow facts (Zeek, Suricata, Snort records). */
export function subjectOf(doc: Doc): EnrichSubject {
  const source = objectAt(doc, 'source');
  const destination = objectAt(doc, 'destination');
  const client = objectAt(doc, 'client');
  const server = objectAt(doc, 'server');
  const network = objectAt(doc, 'network');
  const sourceIp = text(source?.ip);
  const destinationIp = text(destination?.ip);
  const clientIp = text(client?.ip);
  const serverIp = text(server?.ip);
  const dns = objectAt(doc, 'dns');
  const tlsClient = objectAt(objectAt(doc, 'tls') ?? {}, 'client');
  return {
    sourceIp,
    destinationIp,
    // Client and server get their own fields only where they are not source and destination already.
    clientIp:
      client !== undefined && clientIp !== sourceIp && clientIp !== destinationIp ? clientIp : undefined,
    serverIp:
      server !== undefined && serverIp !== sourceIp && serverIp !== destinationIp ? serverIp : undefined,
    protocol: integer(network?.iana_number),
    sourcePort: integer(source?.port),
    destinationPort: integer(destination?.port),
    applicationProtocol: text(network?.protocol),
    application: text(network?.application),
    sourceDomain: text(source?.domain),
    destinationDomain: text(destination?.domain),
    dnsQuestion: text(objectAt(dns ?? {}, 'question')?.name),
    tlsServerName: text(tlsClient?.server_name),
    observer: observerOf(doc),
  };
}

/**
 * The enrichers' fields for a document, or undefined when they found none. Flow documents mirror source and
 * destination as client and server: what an endpoint gets is copied to the role that has its address.
 */
function fieldsFor(doc: Readonly<Doc>, enrichers: Enrichers, add: Additions): Doc | undefined {
  add.clear();
  const subject = subjectOf(doc);
  enrichers.apply(subject, add);
  if (add.empty) return undefined;
  const fields: Doc = add.toObject();
  for (const role of ['client', 'server'] as const) {
    const ip = text(objectAt(doc, role)?.ip);
    if (ip === undefined || fields[role] !== undefined) continue;
    const same =
      ip === subject.sourceIp ? fields.source : ip === subject.destinationIp ? fields.destination : undefined;
    if (same !== undefined) fields[role] = same;
  }
  return fields;
}

/** Adds the enrichers' fields to a document. */
export function enrichDocument(doc: Doc, enrichers: Enrichers, add = new Additions()): void {
  const fields = fieldsFor(doc, enrichers, add);
  if (fields !== undefined) mergeInto(doc, fields);
}

/** The records with their enrichment added (a `JsonRecord` serializes its changed `doc` again). */
export function enrichRecords(records: PipelineRecord[], enrichers: Enrichers): void {
  const add = new Additions();
  for (const record of records) {
    // A document written as text is read without being written again unless something is added to it.
    const fields = fieldsFor(record instanceof JsonRecord ? record.view() : record.doc, enrichers, add);
    if (fields === undefined) continue;
    mergeInto(record.doc, fields);
    // A record serialized beforehand by its source is sent as that text: it has to say what `doc` says now.
    if (record.json !== undefined && !(record instanceof JsonRecord))
      record.json = JSON.stringify(record.doc);
  }
}

/** `source` with every record it emits enriched before the pipeline sees it: the log inputs' one place. */
export function withEnrichment(source: Source, enrichers: Enrichers): Source {
  if (enrichers.empty) return source;
  return {
    name: source.name,
    run(ctx: SourceContext): Promise<void> {
      return source.run({
        logger: ctx.logger,
        signal: ctx.signal,
        counters: ctx.counters,
        deadLetter: (entry) => ctx.deadLetter(entry),
        emit: (records, onWritten) => {
          enrichRecords(records, enrichers);
          return ctx.emit(records, onWritten);
        },
      });
    },
  };
}
