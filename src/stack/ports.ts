import { createServer } from 'node:net';

export function isFree(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    // Same address the JVMs bind, so a listener on 127.0.0.1 or on 0.0.0.0 both count as taken.
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
      server.close(() => resolvePromise(true)),
    );
  });
}

/** Fails before any JVM starts, naming the first taken port and what it was meant for. */
export async function assertPortsFree(ports: { port: number; purpose: string }[]): Promise<void> {
  for (const { port, purpose } of ports) {
    if (!(await isFree(port))) {
      throw new Error(
        `port ${port} (${purpose}) is already in use; stop what listens there or choose another port`,
      );
    }
  }
}
