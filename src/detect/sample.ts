import { type FlowDoc, isFailedAttempt, observerOf } from '../correlate/documents.js';

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
    observer: observerOf(doc),
  };
}
