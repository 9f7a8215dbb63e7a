import type { FlowFacts } from '../../src/schema/flow.js';
import { NetflowDecoder } from './decode/decoder.js';
import type { ExporterStats } from './decode/exporter-stats.js';
import type { DecoderOptions } from './decode/settings.js';
import type { DecodeErrorKind } from './decode/types.js';
import type { NetflowOptionsRecord } from './producer.js';
import { produce } from './producer.js';

export interface ExportPayload {
  exporter: string;
  port: number;
  data: Buffer;
  /** Epoch ms the datagram arrived (capture time for files); template and buffer ageing use it. */
  receivedAt?: number;
}

export interface DecodedPayloads {
  flows: FlowFacts[];
  options: NetflowOptionsRecord[];
  /** Payloads rejected in whole or part, in input order. */
  errors: Array<{ exporter: string; port: number; index: number; error: DecodeErrorKind }>;
  addressless: number;
  /** Flow records left out for a time no document can hold (see `ProducedRecords.invalidTime`). */
  invalidTime: number;
  stats: Record<string, ExporterStats>;
  decoder: NetflowDecoder;
}

/**
 * Decodes a sequence of export payloads in order, as one collector would receive them (templates learnt from
 * earlier payloads apply to later ones). Pure apart from the decoder it creates, or the one passed in.
 */
export function decodePayloads(
  payloads: ExportPayload[],
  options: DecoderOptions | NetflowDecoder = {},
): DecodedPayloads {
  const decoder = options instanceof NetflowDecoder ? options : new NetflowDecoder(options);
  const result: DecodedPayloads = {
    flows: [],
    options: [],
    errors: [],
    addressless: 0,
    invalidTime: 0,
    stats: {},
    decoder,
  };
  payloads.forEach((payload, index) => {
    const { records, error } = decoder.decode(
      payload.data,
      payload.exporter,
      payload.port,
      payload.receivedAt,
    );
    if (error) result.errors.push({ exporter: payload.exporter, port: payload.port, index, error });
    const produced = produce(records);
    for (const flow of produced.flows) result.flows.push(flow);
    for (const option of produced.options) result.options.push(option);
    result.addressless += produced.addressless;
    result.invalidTime += produced.invalidTime;
  });
  result.stats = decoder.stats();
  return result;
}
