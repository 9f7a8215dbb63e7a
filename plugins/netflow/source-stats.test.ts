import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/observability/metrics.js';
import { noHits } from './decode/budget.js';
import { emptyStats } from './decode/exporter-stats.js';
import { netflowSample } from './source-stats.js';

function sourceStats(exporters: number, notAllowed: number) {
  const stats = {
    exporters: {} as Record<string, ReturnType<typeof emptyStats>>,
    received: 0,
    notAllowed,
    notAllowedByExporter: {} as Record<string, number>,
    queueOverflow: 0,
    queueOverflowByExporter: {},
    exporterLimit: 7,
    evictedExporters: 9000,
    limitHits: { ...noHits(), exporters: 9007 },
    decoderUsage: {
      exporters: exporters,
      domains: exporters,
      templateBytes: 123,
      pendingBytes: 456,
      optionNameBytes: 78,
    },
    journaledPackets: 0,
    journalBytes: 0,
    journalDropped: {},
    failedPackets: {} as Record<string, Record<string, number>>,
    skippedRecords: { '10.0.0.249:10999': { 'invalid-time': 2 } },
    deadLettersOverBudget: 0,
  };
  for (let i = 0; i < exporters; i++)
    stats.exporters[`10.0.0.${i % 250}:${1000 + i}`] = { ...emptyStats(), packets: i + 1 };
  // The quietest exporters are the ones that failed: their problems belong to "other" too.
  for (let i = 0; i < 1000; i++) stats.failedPackets[`10.0.0.${i % 250}:${1000 + i}`] = { error: 1 };
  for (let i = 0; i < notAllowed; i++) stats.notAllowedByExporter[`192.0.2.1:${2000 + i}`] = 1;
  return stats;
}

describe('NetFlow metric series', () => {
  it('names at most the busiest exporters and sums the others as "other"', async () => {
    const stats = sourceStats(10_000, 1000);
    const metrics = new Metrics();
    metrics.netflow = () => netflowSample(stats, 20);
    const text = await metrics.registry.metrics();
    const series = text
      .split('\n')
      .filter((l) => l.startsWith('flowtrail_netflow_') && l.includes('exporter="'));
    const packets = series.filter((l) => l.startsWith('flowtrail_netflow_packets_total{'));
    expect(packets).toHaveLength(21);
    expect(packets).toContain('flowtrail_netflow_packets_total{exporter="10.0.0.249:10999"} 10000');
    const total = packets.reduce((n, l) => n + Number(l.split(' ')[1]), 0);
    expect(total).toBe((10_000 * 10_001) / 2);
    expect(text).toContain('flowtrail_netflow_not_allowed_packets_total{exporter="other"} 1000');
    expect(text).toContain('flowtrail_netflow_failed_packets_total{exporter="other",reason="error"} 1000');
    expect(text).toContain(
      'flowtrail_netflow_skipped_records_total{exporter="10.0.0.249:10999",reason="invalid-time"} 2',
    );
    // Every per-exporter metric stays within the same 21 labels.
    expect(new Set(series.map((l) => l.match(/exporter="([^"]+)"/)?.[1])).size).toBe(21);
    expect(text).toContain('flowtrail_netflow_refused_exporter_packets_total 7');
    expect(text).toContain('flowtrail_netflow_evicted_exporters_total 9000');
    expect(text).toContain('flowtrail_netflow_limit_hits_total{limit="exporters"} 9007');
    expect(text).toContain('flowtrail_netflow_exporters 10000');
    expect(text).toContain('flowtrail_netflow_pending_bytes 456');
  });
});
