import { describe, expect, it } from 'vitest';
import { noHits } from './decode/budget.js';
import { decoderSettings } from './decode/settings.js';
import { NO_DECODE_STATS } from './decode-protocol.js';
import { LimitWarnings } from './limit-warnings.js';

describe('bounds hit, in the log', () => {
  it('says once a minute that the exporter table is full, naming the limit and the allowlist', () => {
    const logged: string[] = [];
    const warnings = new LimitWarnings(decoderSettings({ maxExporters: 100 }), {
      warn: (_: object, message: string) => logged.push(message),
    } as never);
    const stats = (hits: number, refused: number) => ({
      ...NO_DECODE_STATS,
      exporterLimit: refused,
      evictedExporters: hits - refused,
      limitHits: { ...noHits(), exporters: hits },
    });
    warnings.check(NO_DECODE_STATS, 0);
    expect(logged).toEqual([]);
    for (let t = 0; t < 59_000; t += 1000) warnings.check(stats(t, 0), 1 + t);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/exporter table full \(inputs\.netflow\.limits\.max_exporters = 100\)/);
    expect(logged[0]).toMatch(/gave up their slot/);
    expect(logged[0]).toMatch(/inputs\.netflow\.allowed_exporters/);
    warnings.check(stats(70_000, 5), 61_001);
    expect(logged).toHaveLength(2);
    expect(logged[1]).toMatch(/datagrams from new exporters are refused \(5\)/);
    // No new hits, no new line.
    warnings.check(stats(70_000, 5), 200_000);
    expect(logged).toHaveLength(2);
  });

  it('names the setting of any other bound hit', () => {
    const logged: string[] = [];
    const warnings = new LimitWarnings(decoderSettings({}), {
      warn: (_: object, message: string) => logged.push(message),
    } as never);
    warnings.check({ ...NO_DECODE_STATS, limitHits: { ...noHits(), template_fields: 3 } }, 0);
    expect(logged).toEqual([
      'netflow: templates with more fields than allowed are refused (inputs.netflow.limits.max_template_fields = 1024)',
    ]);
  });
});
