import type { Enrichers } from '../../src/enrich/enrichers.js';
import { Additions } from '../../src/enrich/types.js';
import { toFlowRecord } from '../../src/schema/flow.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import type { PackedDatagram } from './datagram-batch.js';
import type { NetflowDecoder } from './decode/decoder.js';
import type { DecodeDeadLetter } from './decode-protocol.js';
import { type CountsByReason, DeadLetterBudget, ProblemCounts } from './problem-counts.js';
import { type ProducedRecords, produce } from './producer.js';

/** Documents (in parallel arrays, as the worker sends them) and dead letters of decoded datagrams. */
export interface DecodedDocuments {
  datasets: string[];
  ids: string[];
  jsons: string[];
  deadLetters: DecodeDeadLetter[];
}

/** What `DatagramDecoding` left out, by exporter (ip:port) and reason. */
export interface DecodeProblems {
  /** Datagrams of which nothing was kept: `error` when decoding or mapping them threw. */
  failedPackets: CountsByReason;
  /**
   * Flow records left out while the others of their datagram were kept: `invalid-time` (a start or end no
   * document can hold), `error` (mapping the record threw).
   */
  skippedRecords: CountsByReason;
  /** Dead letters left out because `DEAD_LETTERS_PER_MINUTE` was spent. */
  deadLettersOverBudget: number;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * The decode worker's path for one datagram: decode, produce flow facts, map them to documents. Whatever one
 * datagram holds costs that datagram (or that record) and never the others: a throw would end the worker, and the
 * journal would hand the same datagram to the next run, which would die on it in turn.
 */
export class DatagramDecoding {
  private readonly failedPackets = new ProblemCounts();
  private readonly skippedRecords = new ProblemCounts();
  private readonly budget = new DeadLetterBudget();
  /** One flow's enrichment at a time: written into its document before the next flow is enriched. */
  private readonly additions = new Additions();

  constructor(
    private readonly decoder: NetflowDecoder,
    private readonly localNetworks: LocalNetworks,
    /** GeoIP, applications, names…: what they add is written into the flow's document with it. */
    private readonly enrichers?: Enrichers,
  ) {}

  /** Stops the enrichers' file checks and lookups. */
  close(): void {
    this.enrichers?.close();
  }

  problems(): DecodeProblems {
    return {
      failedPackets: this.failedPackets.toObject(),
      skippedRecords: this.skippedRecords.toObject(),
      deadLettersOverBudget: this.budget.overBudget,
    };
  }

  /** Appends the datagram's documents and dead letters to `out`; `now` is `event.created`. Never throws. */
  decode(datagram: PackedDatagram, now: number, out: DecodedDocuments): void {
    const { data, address, port, receivedAt } = datagram;
    const origin = `${address}:${port}`;
    let produced: ProducedRecords;
    try {
      const { records, error } = this.decoder.decode(data, address, port, receivedAt);
      if (error) this.deadLetter(out, origin, `netflow: ${error}`, data, now);
      produced = produce(records);
    } catch (err) {
      this.failedPackets.add(origin, 'error');
      this.deadLetter(out, origin, `netflow: datagram not decoded: ${describe(err)}`, data, now);
      return;
    }
    let failed = 0;
    let firstError: unknown;
    const { enrichers, additions } = this;
    for (const facts of produced.flows) {
      try {
        if (enrichers !== undefined) {
          additions.clear();
          enrichers.apply(facts, additions);
        }
        const record = toFlowRecord(facts, { localNetworks: this.localNetworks, now, additions });
        out.datasets.push(record.dataset);
        out.ids.push(record.id);
        out.jsons.push(record.json);
      } catch (err) {
        failed++;
        firstError ??= err;
      }
    }
    this.skippedRecords.add(origin, 'error', failed);
    this.skippedRecords.add(origin, 'invalid-time', produced.invalidTime);
    if (failed > 0) {
      const reason = `netflow: ${failed} of ${produced.flows.length} flow record(s) not mapped: ${describe(firstError)}`;
      this.deadLetter(out, origin, reason, data, now);
    }
    if (produced.invalidTime > 0) {
      const reason = `netflow: ${produced.invalidTime} flow record(s) left out: a start or end time out of range`;
      this.deadLetter(out, origin, reason, data, now);
    }
  }

  private deadLetter(out: DecodedDocuments, origin: string, reason: string, data: Buffer, now: number): void {
    if (this.budget.take(now)) out.deadLetters.push({ origin, reason, raw: data.toString('base64') });
  }
}
