import { describe, expect, it } from 'vitest';
import {
  dataSet,
  fixedText,
  ipfixMessage,
  optionsTemplateSet,
  templateSet,
} from '../../../test/support/netflow/ipfix.js';
import { decodePayloads, type ExportPayload } from '../offline.js';
import { NetflowDecoder } from './decoder.js';
import { optionNameCost } from './option-names.js';

const EXPORT_MS = 1_700_000_000_000;
const INTERFACE_OPTIONS = 300;
const APPLICATION_OPTIONS = 301;
const FLOWS = 302;

/** An interface options record: scope ingressInterface, then interfaceName (82) and interfaceDescription (83). */
function interfaceRecord(ifIndex: number, name: string, description: string): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(ifIndex);
  return Buffer.concat([id, fixedText(name, 16), fixedText(description, 24)]);
}

function applicationRecord(appId: number, name: string, description: string): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(appId);
  return Buffer.concat([id, fixedText(name, 12), fixedText(description, 24)]);
}

/** A flow record: addresses, protocol, ingress and egress ifIndex, applicationId, bytes. */
function flowRecord(ingress: number, egress: number, appId: number): Buffer {
  const b = Buffer.alloc(4 + 4 + 1 + 4 + 4 + 4 + 8);
  Buffer.from([10, 0, 0, 1]).copy(b, 0);
  Buffer.from([192, 0, 2, 7]).copy(b, 4);
  b.writeUInt8(6, 8);
  b.writeUInt32BE(ingress, 9);
  b.writeUInt32BE(egress, 13);
  b.writeUInt32BE(appId, 17);
  b.writeBigUInt64BE(1500n, 21);
  return b;
}

function payload(sets: Buffer[], sequence = 0): ExportPayload {
  return {
    data: ipfixMessage(7, sequence, EXPORT_MS, sets),
    exporter: '192.0.2.1',
    port: 4739,
    receivedAt: EXPORT_MS,
  };
}

const TEMPLATES = [
  optionsTemplateSet([
    {
      id: INTERFACE_OPTIONS,
      scope: 1,
      fields: [
        { id: 10, length: 4 },
        { id: 82, length: 16 },
        { id: 83, length: 24 },
      ],
    },
    {
      id: APPLICATION_OPTIONS,
      scope: 1,
      fields: [
        { id: 95, length: 4 },
        { id: 96, length: 12 },
        { id: 94, length: 24 },
      ],
    },
  ]),
  templateSet([
    {
      id: FLOWS,
      fields: [
        { id: 8, length: 4 },
        { id: 12, length: 4 },
        { id: 4, length: 1 },
        { id: 10, length: 4 },
        { id: 14, length: 4 },
        { id: 95, length: 4 },
        { id: 1, length: 8 },
      ],
    },
  ]),
];

const NAMES = [
  dataSet(INTERFACE_OPTIONS, [
    interfaceRecord(3, 'ge-0/0/3', 'uplink to ISP'),
    interfaceRecord(5, '', 'Gi0/5'),
  ]),
  dataSet(APPLICATION_OPTIONS, [applicationRecord(0x0d000050, 'HTTP', 'Hypertext Transfer Protocol')]),
];

describe('interface and application names from options data', () => {
  it('names the ingress and egress interfaces and the application of flows of the same domain', () => {
    const { flows } = decodePayloads([
      payload(TEMPLATES),
      payload(NAMES, 1),
      payload([dataSet(FLOWS, [flowRecord(3, 5, 0x0d000050)])], 4),
    ]);
    expect(flows).toHaveLength(1);
    expect(flows[0].observer).toEqual({
      ip: '192.0.2.1',
      ingress: { interface: { id: '3', name: 'ge-0/0/3', alias: 'uplink to ISP' } },
      egress: { interface: { id: '5', name: 'Gi0/5' } },
    });
    expect(flows[0].application).toBe('http');
  });

  it('gives only the ids of interfaces not named, none for ifIndex 0, and no application for unknown ids', () => {
    const { flows } = decodePayloads([
      payload(TEMPLATES),
      payload(NAMES, 1),
      payload([dataSet(FLOWS, [flowRecord(9, 0, 0x0d000051)])], 4),
    ]);
    expect(flows[0].observer).toEqual({ ip: '192.0.2.1', ingress: { interface: { id: '9' } } });
    expect(flows[0].application).toBeUndefined();
  });

  it('forgets nothing of a domain whose names arrive before its flow template, and keeps names per domain', () => {
    const other: ExportPayload = {
      ...payload([]),
      data: ipfixMessage(8, 0, EXPORT_MS, [...TEMPLATES, dataSet(FLOWS, [flowRecord(3, 5, 0x0d000050)])]),
    };
    const { flows } = decodePayloads([payload([...TEMPLATES, ...NAMES]), other]);
    expect(flows[0].observer?.ingress).toEqual({ interface: { id: '3' } });
    expect(flows[0].application).toBeUndefined();
  });

  it('learns no more than max_option_name_bytes and counts what it refused', () => {
    const oneEntry = optionNameCost({ name: 'ge-0/0/3', description: 'uplink to ISP' });
    const decoder = new NetflowDecoder({ maxOptionNameBytes: oneEntry });
    const { flows } = decodePayloads(
      [payload(TEMPLATES), payload(NAMES, 1), payload([dataSet(FLOWS, [flowRecord(3, 5, 0x0d000050)])], 4)],
      decoder,
    );
    expect(flows[0].observer?.ingress).toEqual({
      interface: { id: '3', name: 'ge-0/0/3', alias: 'uplink to ISP' },
    });
    expect(flows[0].observer?.egress).toEqual({ interface: { id: '5' } });
    expect(flows[0].application).toBeUndefined();
    expect(decoder.limitHits().option_names).toBe(2);
  });

  it('keeps the names across a restart through the snapshot', () => {
    const first = decodePayloads([payload(TEMPLATES), payload(NAMES, 1)]);
    const snapshot = JSON.parse(JSON.stringify(first.decoder.snapshot()));
    const restarted = new NetflowDecoder();
    restarted.restore(snapshot, EXPORT_MS);
    const { flows } = decodePayloads(
      [payload([dataSet(FLOWS, [flowRecord(3, 5, 0x0d000050)])], 4)],
      restarted,
    );
    expect(flows[0].observer?.ingress?.interface.name).toBe('ge-0/0/3');
    expect(flows[0].application).toBe('http');
  });

  it('gives back the bytes of a forgotten exporter', () => {
    const decoder = new NetflowDecoder({ exporterIdleMs: 1, templateTtlMs: 1 });
    decodePayloads([payload(TEMPLATES), payload(NAMES, 1)], decoder);
    expect(decoder.usage().optionNameBytes).toBeGreaterThan(0);
    decoder.expire(EXPORT_MS + 60_000);
    expect(decoder.usage()).toMatchObject({ exporters: 0, optionNameBytes: 0 });
  });
});
