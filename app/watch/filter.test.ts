import { describe, expect, it } from 'vitest';
import { entriesOf, flowSample } from '../../test/support/watch-flows.js';
import { FilterError, parseFilter } from './filter.js';

const flows = entriesOf([
  flowSample(),
  flowSample({
    sourceIp: '203.0.113.66',
    destinationIp: '10.77.0.1',
    sourcePort: 46964,
    destinationPort: 23,
    state: 'REJ',
  }),
  flowSample({
    protocol: 17,
    sourceIp: '10.77.0.10',
    destinationIp: '198.51.100.53',
    sourcePort: 5353,
    destinationPort: 53,
    state: undefined,
  }),
  flowSample({
    protocol: 58,
    sourceIp: '2001:db8::1',
    destinationIp: '2001:db8:1::2',
    sourcePort: 128,
    destinationPort: 0,
    state: undefined,
    vlan: 10,
  }),
]);

function kept(text: string): string[] {
  const filter = parseFilter(text);
  return flows.filter(filter.matches).map((f) => f.sourceIp);
}

describe('the watch filter', () => {
  it('an address or network matches either end', () => {
    expect(kept('10.77.0.0/24')).toEqual(['203.0.113.66', '10.77.0.10']);
    expect(kept('192.0.2.7')).toEqual(['10.0.0.1']);
    expect(kept('2001:db8:1::/48')).toEqual(['2001:db8::1']);
  });

  it('ports bare or after port, protocols by name or number, conn_state and VLAN', () => {
    expect(kept('53')).toEqual(['10.77.0.10']);
    expect(kept('port 46964')).toEqual(['203.0.113.66']);
    expect(kept('udp')).toEqual(['10.77.0.10']);
    expect(kept('icmp6')).toEqual(['2001:db8::1']);
    expect(kept('proto 6')).toEqual(['10.0.0.1', '203.0.113.66']);
    expect(kept('state rej')).toEqual(['203.0.113.66']);
    expect(kept('vlan 10')).toEqual(['2001:db8::1']);
  });

  it('all words must hold; not turns one round', () => {
    expect(kept('tcp 10.77.0.0/24')).toEqual(['203.0.113.66']);
    expect(kept('tcp not state S0')).toEqual(['203.0.113.66']);
    expect(kept('! tcp')).toEqual(['10.77.0.10', '2001:db8::1']);
    expect(parseFilter('  tcp   not 22 ').text).toBe('tcp not 22');
    expect(kept('')).toHaveLength(4);
  });

  it('names the word it cannot read', () => {
    expect(() => parseFilter('tcp bogus')).toThrow(
      new FilterError('not an address, network, port or protocol: bogus'),
    );
    expect(() => parseFilter('port 70000')).toThrow(FilterError);
    expect(() => parseFilter('10.0.0.0/33')).toThrow(FilterError);
    expect(() => parseFilter('proto')).toThrow('not a protocol: (nothing after proto)');
    expect(() => parseFilter('not')).toThrow('nothing after not');
  });
});
