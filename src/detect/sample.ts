import { type FlowDoc, isFailedAttempt, observerOf } from '../correlate/documents.js';
import { pathTree, readPaths } from './json-paths.js';

/** The facts of one flow record that the detections look at. */
export interface FlowSample {
  /** Flow end, epoch ms (the document's @timestamp). */
  time: number;
  source: string;
  destination: string;
  destinationPort?: number;
  transport: string;
  bytes: number;
  sourceInternal: boolean;
  destinationInternal: boolean;
  failed: boolean;
  /** The source opened the conversation (it is the flow's client): a reply is not its own probe. */
  initiated: boolean;
  observer: string;
}

export function sampleOf(doc: FlowDoc): FlowSample {
  return {
    time: Date.parse(doc['@timestamp']),
    source: doc.source.ip,
    destination: doc.destination.ip,
    destinationPort: doc.destination.port,
    transport: doc.network?.transport ?? '',
    bytes: doc.network?.bytes ?? 0,
    sourceInternal: doc.source.locality === 'internal',
    destinationInternal: doc.destination.locality === 'internal',
    failed: isFailedAttempt(doc.network?.transport, doc.flowtrail?.tcp_flags),
    initiated: doc.client?.ip === undefined || doc.client.ip === doc.source.ip,
    observer: observerOf(doc),
  };
}

const SAMPLE_PATHS = [
  '@timestamp',
  'event.module',
  'source.ip',
  'source.locality',
  'destination.ip',
  'destination.port',
  'destination.locality',
  'network.transport',
  'network.bytes',
  'observer.ip',
  'observer.name',
  'netflow.exporter.address',
  'flowtrail.tcp_flags',
  'client.ip',
  'flowtrail.observer',
] as const;
const SAMPLE_TREE = pathTree(SAMPLE_PATHS);

/** The fields `sampleOf` reads, picked from a flow document's JSON without parsing the rest of it. */
function sampledDoc(json: string): FlowDoc {
  const [
    time,
    module,
    sourceIp,
    sourceLocality,
    destinationIp,
    port,
    destinationLocality,
    transport,
    bytes,
    observerIp,
    observerName,
    exporter,
    flags,
    clientIp,
    observerId,
  ] = readPaths(json, SAMPLE_TREE, SAMPLE_PATHS.length) as never[];
  return {
    '@timestamp': time,
    event: { module },
    source: { ip: sourceIp, locality: sourceLocality },
    destination: { ip: destinationIp, port, locality: destinationLocality },
    network: { transport, bytes },
    observer: { ip: observerIp, name: observerName },
    netflow: { exporter: { address: exporter } },
    client: { ip: clientIp },
    flowtrail: { tcp_flags: flags, observer: observerId },
  };
}

/** A flow document's sample read off its JSON text (as the pipeline sends it), or undefined without addresses. */
export function sampleOfJson(json: string): FlowSample | undefined {
  const doc = sampledDoc(json);
  if (typeof doc.source.ip !== 'string' || typeof doc.destination.ip !== 'string') return undefined;
  return sampleOf(doc);
}
