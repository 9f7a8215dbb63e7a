import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/detect/finding.js';
import { describeFindings } from './commands/detect.js';

describe('detect, for people', () => {
  it('prints each finding with its time, severity and title, and its evidence below', () => {
    const finding: Finding = {
      type: 'port_scan',
      direction: 'incoming',
      source: '203.0.113.66',
      destination: '10.77.0.1',
      time: Date.parse('2026-11-21T22:05:31.250Z'),
      windowStart: Date.parse('2026-11-21T22:05:00Z'),
      windowEnd: Date.parse('2026-11-21T22:06:00Z'),
      level: 'high',
      evidence: {
        flows: 1000,
        failed_share: 0.998,
        distinct_ports: 1000,
        ports: Array.from({ length: 15 }, (_, i) => i + 1),
      },
    };
    expect(describeFindings([finding]).split('\n')).toEqual([
      '2026-11-21T22:05:31.250Z  high           incoming port scan by 203.0.113.66 of 10.77.0.1',
      `${' '.repeat(41)}1000 flows, 100% failed, 1000 ports, ports 1 2 3 4 5 6 7 8 9 10 11 12 … (15)`,
      '1 finding(s), written as alerts (event.module: flowtrail)',
    ]);
    expect(describeFindings([])).toBe('nothing found');
  });
});
