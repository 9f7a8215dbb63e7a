import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric flowtrail exports, on a registry of its own so that tests and embedded uses do not collide. */
export class Metrics {
  readonly registry = new Registry();
  readonly recordsIn: Counter<'plugin'>;
  readonly recordsOut: Counter<'plugin'>;
  readonly recordsFailed: Counter<'plugin'>;
  readonly recordsDeadLettered: Counter<'plugin'>;
  readonly recordsDropped: Counter<'plugin' | 'reason'>;
  readonly retries: Counter<'plugin' | 'reason'>;
  readonly queueDepth: Gauge;
  readonly bulkDuration: Histogram<'plugin'>;

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
      help: 'Records dropped because the queue was full (only inputs that cannot slow down, such as UDP)',
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
