import dgram from 'node:dgram';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { DeadLetterEntry, PipelineRecord, SourceContext } from '../../src/pipeline/types.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import type { NetflowSourceOptions } from './source.js';
import { createNetflowSource } from './source.js';
import { LAB_FLOWS, pcapPayloads } from './testing/fixtures.js';

function context(controller: AbortController) {
  const emitted: PipelineRecord[] = [];
  const deadLetters: DeadLetterEntry[] = [];
  const ctx: SourceContext = {
    logger: pino({ level: 'silent' }),
    signal: controller.signal,
    counters: { recordsIn: () => {}, recordsFailed: () => {} },
    emit: async (records) => {
      emitted.push(...records);
    },
    deadLetter: (entry) => deadLetters.push(entry),
  };
  return { ctx, emitted, deadLetters };
}

async function replay(
  options: NetflowSourceOptions,
  until: (emitted: PipelineRecord[]) => boolean,
  waitMs = 10_000,
) {
  const payloads = pcapPayloads(join(LAB_FLOWS, 'softflowd-v9.pcap'));
  const controller = new AbortController();
  const { ctx, emitted } = context(controller);
  let port = 0;
  const listening = new Promise<void>((resolve) => {
    options.onListening = (address) => {
      port = address.port;
      resolve();
    };
  });
  const source = createNetflowSource(
    { host: '127.0.0.1', port: 0, ...options },
    { localNetworks: new LocalNetworks(['10.77.0.0/24']) },
  );
  const running = source.run(ctx);
  await listening;
  const client = dgram.createSocket('udp4');
  for (const payload of payloads) {
    await new Promise<void>((resolve, reject) =>
      client.send(payload.data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
    // Loopback drops datagrams when the receive buffer fills; pace the replay a little.
    await new Promise((resolve) => setImmediate(resolve));
  }
  client.close();
  const deadline = Date.now() + waitMs;
  while (!until(emitted) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  controller.abort();
  await running;
  return { emitted, stats: source.stats(), packets: payloads.length };
}

describe('UDP source', () => {
  it('emits every flow of the lab softflowd v9 export sent over loopback', async () => {
    const { emitted, stats, packets } = await replay({}, (e) => e.length >= 2900);
    expect(emitted).toHaveLength(2900);
    expect(emitted[0].dataset).toBe('flowtrail.flows');
    const exporter = stats.exporters[Object.keys(stats.exporters)[0]];
    expect(exporter.packets).toBe(packets);
    expect(exporter.malformed).toBe(0);
    const doc = emitted.find((r) => (r.doc.source as { ip: string }).ip === '10.77.0.5')?.doc;
    expect(doc?.observer).toEqual({ ip: '127.0.0.1' });
  });

  it('drops and counts exporters outside the allowlist', async () => {
    const { emitted, stats, packets } = await replay(
      { allowedExporters: ['192.0.2.0/24'] },
      () => false,
      300,
    );
    expect(emitted).toHaveLength(0);
    expect(stats.notAllowed).toBe(packets);
  });
});
