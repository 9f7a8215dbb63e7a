import { describe, expect, it } from 'vitest';
import { formatTable, toCsv } from './table.js';

describe('report output', () => {
  const rows = [
    { ip: '10.77.0.5', bytes: 20105580, note: 'iperf3, "upload"' },
    { ip: '10.77.0.10', bytes: 2199, note: '' },
  ];

  it('aligns columns, numbers to the right', () => {
    expect(formatTable(rows, ['ip', 'bytes']).split('\n')).toEqual([
      'ip             bytes',
      '10.77.0.5   20105580',
      '10.77.0.10      2199',
    ]);
  });

  it('quotes CSV fields with commas or quotes', () => {
    expect(toCsv(rows, ['ip', 'note']).split('\n')).toEqual([
      'ip,note',
      '10.77.0.5,"iperf3, ""upload"""',
      '10.77.0.10,',
    ]);
  });

  it('shows a list as one cell of space-separated items, and a missing value as an empty cell', () => {
    const scans = [
      { ip: '203.0.113.66', flows: null, ports: [22, 80, 3389] },
      { ip: '198.51.100.7', flows: 12, ports: [445] },
    ];
    expect(formatTable(scans, ['ip', 'flows', 'ports']).split('\n')).toEqual([
      'ip            flows  ports',
      '203.0.113.66         22 80 3389',
      '198.51.100.7     12  445',
    ]);
    expect(toCsv(scans, ['ip', 'flows', 'ports']).split('\n')).toEqual([
      'ip,flows,ports',
      '203.0.113.66,,22 80 3389',
      '198.51.100.7,12,445',
    ]);
  });
});
