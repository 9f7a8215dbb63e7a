import { describe, expect, it } from 'vitest';
import { ApplicationEnricher, BUILTIN_SERVICES, portTable } from './applications.js';
import type { EnrichSubject } from './types.js';
import { Additions } from './types.js';

function applicationOf(enricher: ApplicationEnricher, subject: EnrichSubject): unknown {
  const add = new Additions();
  enricher.enrich(subject, add);
  return add.toObject().network?.application;
}

describe('ApplicationEnricher', () => {
  const builtin = new ApplicationEnricher(
    portTable(BUILTIN_SERVICES, { 8443: 'admin-ui', 'udp/443': '', 'tcp/22': 'sftp' }),
  );

  it('names the service of either port, the lower one when both have one', () => {
    expect(applicationOf(builtin, { protocol: 6, sourcePort: 51_000, destinationPort: 443 })).toBe('https');
    expect(applicationOf(builtin, { protocol: 6, sourcePort: 443, destinationPort: 51_000 })).toBe('https');
    expect(applicationOf(builtin, { protocol: 17, sourcePort: 53, destinationPort: 123 })).toBe('dns');
    expect(applicationOf(builtin, { protocol: 17, sourcePort: 40_000, destinationPort: 53 })).toBe('dns');
  });

  it('uses the configured entries over the built-in ones, and removes those set to nothing', () => {
    expect(applicationOf(builtin, { protocol: 6, sourcePort: 50_000, destinationPort: 8443 })).toBe(
      'admin-ui',
    );
    expect(
      applicationOf(builtin, { protocol: 17, sourcePort: 50_000, destinationPort: 443 }),
    ).toBeUndefined();
    expect(applicationOf(builtin, { protocol: 6, sourcePort: 50_000, destinationPort: 22 })).toBe('sftp');
    expect(applicationOf(builtin, { protocol: 17, sourcePort: 50_000, destinationPort: 22 })).toBe('ssh');
  });

  it("keeps the transport apart, and takes the source's own application protocol first", () => {
    expect(applicationOf(builtin, { protocol: 17, sourcePort: 50_000, destinationPort: 80 })).toBe('http3');
    expect(applicationOf(builtin, { protocol: 1, sourcePort: 8, destinationPort: 0 })).toBeUndefined();
    expect(
      applicationOf(builtin, {
        protocol: 6,
        sourcePort: 50_000,
        destinationPort: 8080,
        applicationProtocol: 'ssl',
      }),
    ).toBe('ssl');
    expect(
      applicationOf(builtin, { protocol: 6, destinationPort: 443, application: 'already-known' }),
    ).toBeUndefined();
  });
});

describe('portTable', () => {
  it('reads tcp/443, 443/udp and bare ports, and refuses other keys', () => {
    const table = portTable({ 'tcp/1': 'a', '2/udp': 'b', '3': 'c' });
    expect([...table.values()].sort()).toEqual(['a', 'b', 'c', 'c', 'c']);
    expect(() => portTable({ 'tcp/70000': 'x' })).toThrow(/tcp\/70000/);
    expect(() => portTable({ 'icmp/8': 'x' })).toThrow(/icmp\/8/);
  });
});
