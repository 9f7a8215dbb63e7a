import { createSocket } from 'node:dgram';
import { createServer, isIPv6 } from 'node:net';
import { UnavailableError } from '../errors.js';

/** An address a command is going to listen on, with the configuration key that sets it. */
export interface ListenAddress {
  protocol: 'tcp' | 'udp';
  host: string;
  port: number;
  /** `inputs.netflow.port`, `metrics.port`… */
  key: string;
}

function tryTcp(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

function tryUdp(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.close();
      resolve(err);
    });
    socket.bind({ address: host, port, exclusive: true }, () => socket.close(() => resolve(undefined)));
  });
}

export function describeAddress(a: ListenAddress): string {
  return `${a.protocol}/${isIPv6(a.host) ? `[${a.host}]` : a.host}:${a.port}`;
}

/**
 * Binds each address for a moment and lets it go, before the command starts anything, so that a port another
 * process holds is named at once (protocol, address, port and the key that sets it) rather than after a stack
 * was started or halfway through a start. Port 0 (any free port) cannot be taken and is skipped.
 */
export async function checkListenAddresses(addresses: readonly ListenAddress[]): Promise<void> {
  for (const a of addresses) {
    if (a.port === 0) continue;
    const err = await (a.protocol === 'tcp' ? tryTcp(a.host, a.port) : tryUdp(a.host, a.port));
    if (err === undefined) continue;
    const where = describeAddress(a);
    if (err.code === 'EADDRINUSE')
      throw new UnavailableError(
        `${where} (${a.key}) is already in use: another flowtrail (up, collect or serve) may be running; ` +
          `stop it, or set ${a.key} to another port`,
      );
    throw new UnavailableError(`cannot listen on ${where} (${a.key}): ${err.message}`);
  }
}
