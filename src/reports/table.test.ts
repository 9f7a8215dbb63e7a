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
});
