import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What the NetFlow collector counted for one exporter (ip:port), read when `/metrics` is scraped. */
export interface NetflowExporterSample {
  packets: number;
  records: number;
  templateMisses: number;
  buffered: number;
  expired: number;
  malformed: number;
  lostPackets: number;
  lostRecords: number;
  sequenceResets: number;
  notAllowed: number;
  queueOverflow: number;
}

export interface NetflowSample {
  exporters: Record<string, Partial<NetflowExporterSample>>;
  /** Datagrams, and flow records of datagrams otherwise kept, that could not be decoded: by exporter, by reason. */
  failedPackets?: Record<string, Record<string, number>>;
  skippedRecords?: Record<string, Record<string, number>>;
  /** Datagrams the kernel dropped on the collector's socket (its receive buffer was full); absent when unknown. */
  kernelDrops?: number;
  /** Datagrams that went through the journal, and its bytes not yet known to be written. */
  journaledPackets?: number;
  journalBytes?: number;
  /** Datagrams the journal refused or lost, by reason (journal_full, disk_full, disk_error, disk_slow). */
  journalDropped?: Record<string, number>;
  /** Datagrams from new exporters refused because the exporter table was full of exporters in use. */
  refusedExporterPackets?: number;
  evictedExporters?: number;
  /** How often each of the decoder's bounds was hit, by bound. */
  limitHits?: Record<string, number>;
  /** What the decoder holds now against its bounds. */
  decoderUsage?: {
    exporters: number;
    domains: number;
    templateBytes: number;
    pendingBytes: number;
    optionNameBytes: number;
  };
}

const NETFLOW_COUNTERS: Array<[keyof NetflowExporterSample, string, string]> = [
  ['packets', 'packets', 'Export datagrams received'],
  ['records', 'records', 'Flow records decoded'],
  ['templateMisses', 'template_misses', 'Data sets that arrived before their template'],
  ['buffered', 'buffered_sets', 'Data sets kept until their template arrives'],
  ['expired', 'expired_sets', 'Buffered data sets dropped unread (aged out or pushed out)'],
  ['malformed', 'malformed_packets', 'Datagrams rejected in whole or part'],
  ['lostPackets', 'lost_packets', 'Export packets missing from the sequence numbers (NetFlow v9)'],
  ['lostRecords', 'lost_records', 'Flow records missing from the sequence numbers (v5, IPFIX)'],
  ['sequenceResets', 'sequence_resets', 'Sequence jumps read as an exporter restart'],
  ['notAllowed', 'not_allowed_packets', 'Datagrams dropped because the exporter is not in allowed_exporters'],
  ['queueOverflow', 'queue_overflow_packets', 'Datagrams dropped because the decode queue was full'],
];

const NETFLOW_USAGE: Array<[keyof NonNullable<NetflowSample['decoderUsage']>, string, string]> = [
  ['exporters', 'exporters', 'Exporters (ip:port) the NetFlow decoder tracks'],
  ['domains', 'domains', 'Observation domains the NetFlow decoder tracks'],
  ['templateBytes', 'template_bytes', 'Estimated heap bytes of the NetFlow templates held'],
  ['pendingBytes', 'pending_bytes', 'Bytes of NetFlow data sets waiting for their templates'],
  [
    'optionNameBytes',
    'option_name_bytes',
    'Estimated heap bytes of the interface and application names learnt from NetFlow options data',
  ],
];

/** Every metric flowtrail exports, on a registry of its own so that tests and embedded uses do not collide. */
export class Metrics {
  readonly registry = new Registry();
  readonly recordsIn: Counter<'plugin'>;
  readonly recordsOut: Counter<'plugin'>;
  readonly recordsFailed: Counter<'plugin'>;
  readonly recordsDeadLettered: Counter<'plugin'>;
  readonly recordsDropped: Counter<'plugin' | 'reason'>;
  readonly inputRepaired: Counter<'plugin' | 'reason'>;
  readonly retries: Counter<'plugin' | 'reason'>;
  readonly queueDepth: Gauge;
  readonly bulkDuration: Histogram<'plugin'>;
  /** Set by the NetFlow input; its counters are read from it on every scrape. */
  netflow: (() => NetflowSample) | undefined;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.recordsIn = new Counter({
      name: 'flowtrail_records_in_total',
      help: 'Records (or input units such as lines and packets) accepted by a plugin',
      labelNames: ['plugin'],
      registers,
    });
    this.recordsOut = new Counter({
      name: 'flowtrail_records_out_total',
      help: 'Documents a sink wrote',
      labelNames: ['plugin'],
      registers,
    });
    this.recordsFailed = new Counter({
      name: 'flowtrail_records_failed_total',
      help: 'Inputs that could not be decoded or parsed, and documents a sink refused',
      labelNames: ['plugin'],
      registers,
    });
    this.recordsDeadLettered = new Counter({
      name: 'flowtrail_records_dead_lettered_total',
      help: 'Entries written to the dead-letter files',
      labelNames: ['plugin'],
      registers,
    });
    this.recordsDropped = new Counter({
      name: 'flowtrail_records_dropped_total',
      help: 'Records dropped, by reason: the queue was full (inputs that cannot slow down), the disk was full',
      labelNames: ['plugin', 'reason'],
      registers,
    });
    this.inputRepaired = new Counter({
      name: 'flowtrail_input_repaired_total',
      help: 'Input units read with a repair, by reason (invalid_utf8: bytes replaced by U+FFFD)',
      labelNames: ['plugin', 'reason'],
      registers,
    });
    this.retries = new Counter({
      name: 'flowtrail_sink_retries_total',
      help: 'Records a sink has to send again (429, 5xx, connection loss)',
      labelNames: ['plugin', 'reason'],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'flowtrail_queue_depth',
      help: 'Records waiting in the pipeline for a sink',
      registers,
    });
    this.bulkDuration = new Histogram({
      name: 'flowtrail_bulk_duration_seconds',
      help: 'Time a sink took to write one batch',
      labelNames: ['plugin'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    const readNetflow = () => this.netflow?.();
    for (const [key, name, help] of NETFLOW_COUNTERS) {
      new Counter({
        name: `flowtrail_netflow_${name}_total`,
        help: `${help}, per exporter (ip:port)`,
        labelNames: ['exporter'],
        registers,
        collect() {
          // The collector keeps its own running totals; a scrape copies them rather than counting twice.
          this.reset();
          for (const [exporter, sample] of Object.entries(readNetflow()?.exporters ?? {})) {
            this.inc({ exporter }, sample[key] ?? 0);
          }
        },
      });
    }
    const byReason: Array<['failedPackets' | 'skippedRecords', string, string]> = [
      ['failedPackets', 'failed_packets', 'Datagrams left out whole because decoding them failed'],
      [
        'skippedRecords',
        'skipped_records',
        'Flow records left out of datagrams whose other records were kept',
      ],
    ];
    for (const [key, name, help] of byReason) {
      new Counter({
        name: `flowtrail_netflow_${name}_total`,
        help: `${help}, per exporter (ip:port) and reason`,
        labelNames: ['exporter', 'reason'],
        registers,
        collect() {
          this.reset();
          for (const [exporter, reasons] of Object.entries(readNetflow()?.[key] ?? {})) {
            for (const [reason, n] of Object.entries(reasons)) this.inc({ exporter, reason }, n);
          }
        },
      });
    }
    new Counter({
      name: 'flowtrail_netflow_kernel_drops_total',
      help: 'Datagrams the kernel dropped on the NetFlow socket because its receive buffer was full (/proc/net/udp)',
      registers,
      collect() {
        this.reset();
        const drops = readNetflow()?.kernelDrops;
        if (drops !== undefined) this.inc(drops);
      },
    });
    new Counter({
      name: 'flowtrail_netflow_journaled_packets_total',
      help: 'Datagrams that went through the on-disk journal on their way to decoding',
      registers,
      collect() {
        this.reset();
        this.inc(readNetflow()?.journaledPackets ?? 0);
      },
    });
    new Counter({
      name: 'flowtrail_netflow_journal_dropped_packets_total',
      help: 'Datagrams dropped because the journal could not take them: full, disk full or failing, disk too slow',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(readNetflow()?.journalDropped ?? {}))
          this.inc({ reason }, n);
      },
    });
    new Gauge({
      name: 'flowtrail_netflow_journal_bytes',
      help: 'Bytes of datagrams in the on-disk journal not yet decoded and written',
      registers,
      collect() {
        this.set(readNetflow()?.journalBytes ?? 0);
      },
    });
    new Counter({
      name: 'flowtrail_netflow_refused_exporter_packets_total',
      help: 'Datagrams from new exporters refused because the exporter table was full of exporters with templates in use',
      registers,
      collect() {
        this.reset();
        this.inc(readNetflow()?.refusedExporterPackets ?? 0);
      },
    });
    new Counter({
      name: 'flowtrail_netflow_evicted_exporters_total',
      help: 'Exporters with no templates in use forgotten to make room for new ones when the exporter table was full',
      registers,
      collect() {
        this.reset();
        this.inc(readNetflow()?.evictedExporters ?? 0);
      },
    });
    new Counter({
      name: 'flowtrail_netflow_limit_hits_total',
      help: 'Times a bound of the NetFlow decoder was reached (inputs.netflow.limits), by bound',
      labelNames: ['limit'],
      registers,
      collect() {
        this.reset();
        for (const [limit, n] of Object.entries(readNetflow()?.limitHits ?? {})) this.inc({ limit }, n);
      },
    });
    for (const [key, name, help] of NETFLOW_USAGE) {
      new Gauge({
        name: `flowtrail_netflow_${name}`,
        help,
        registers,
        collect() {
          this.set(readNetflow()?.decoderUsage?.[key] ?? 0);
        },
      });
    }
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'flowtrail_' });
  }
}

/** Sum of a counter over all its label values (for end-of-run summaries). */
export async function counterTotal(
  counter: Counter<string>,
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await counter.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}
