import { describe, expect, it } from 'vitest';
import { DomainEnricher, domainParts } from './domains.js';
import type { EnrichSubject } from './types.js';
import { Additions } from './types.js';

function fieldsOf(subject: EnrichSubject) {
  const add = new Additions();
  new DomainEnricher(100).enrich(subject, add);
  return add.toObject();
}

describe('domainParts', () => {
  it('splits names by the public suffix list', () => {
    expect(domainParts('www.example.co.uk')).toEqual({
      registered_domain: 'example.co.uk',
      top_level_domain: 'co.uk',
      subdomain: 'www',
    });
    expect(domainParts('Example.COM.')).toEqual({
      registered_domain: 'example.com',
      top_level_domain: 'com',
    });
    expect(domainParts('a.b.user.github.io')).toEqual({
      registered_domain: 'user.github.io',
      top_level_domain: 'github.io',
      subdomain: 'a.b',
    });
    expect(domainParts('192.0.2.1')).toBeUndefined();
    expect(domainParts('localhost')).toBeUndefined();
  });
});

describe('DomainEnricher', () => {
  it('adds the parts of DNS questions', () => {
    expect(fieldsOf({ dnsQuestion: 'mail.google.com' })).toEqual({
      dns: { question: { registered_domain: 'google.com', top_level_domain: 'com', subdomain: 'mail' } },
    });
  });

  it("names the destination after the TLS client's server name", () => {
    expect(fieldsOf({ tlsServerName: 'api.example.org' })).toEqual({
      destination: {
        domain: 'api.example.org',
        registered_domain: 'example.org',
        top_level_domain: 'org',
        subdomain: 'api',
      },
    });
    expect(fieldsOf({ tlsServerName: 'api.example.org', destinationDomain: 'other.example.net' })).toEqual(
      {},
    );
  });
});
