import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../errors.js';
import { checkListenAddresses } from './listen-check.js';

describe('checkListenAddresses', () => {
  it('names a UDP port in use with its protocol, address, key and the likely cause', async () => {
    const holder = createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind(0, '127.0.0.1', resolve));
    const port = holder.address().port;
    try {
      const check = checkListenAddresses([
        { protocol: 'udp', host: '127.0.0.1', port, key: 'inputs.netflow.port' },
      ]);
      await expect(check).rejects.toBeInstanceOf(UnavailableError);
      await expect(check).rejects.toThrow(
        `udp/127.0.0.1:${port} (inputs.netflow.port) is already in use: another flowtrail (up, collect or serve) may be running`,
      );
    } finally {
      holder.close();
    }
  });

  it('names a TCP port in use, and lets go of the free ones it tried first', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const freePort = (free.address() as AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    try {
      await expect(
        checkListenAddresses([
          { protocol: 'tcp', host: '127.0.0.1', port: freePort, key: 'api.port' },
          { protocol: 'tcp', host: '127.0.0.1', port, key: 'metrics.port' },
        ]),
      ).rejects.toThrow(`tcp/127.0.0.1:${port} (metrics.port) is already in use`);
      // The free port was only tried: it can be bound right after.
      await expect(
        checkListenAddresses([{ protocol: 'tcp', host: '127.0.0.1', port: freePort, key: 'api.port' }]),
      ).resolves.toBeUndefined();
    } finally {
      holder.close();
    }
  });
});
