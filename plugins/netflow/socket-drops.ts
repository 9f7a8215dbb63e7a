import { readFileSync } from 'node:fs';

/**
 * Datagrams the kernel dropped on the UDP sockets bound to local `port` (receive buffer full), summed over
 * /proc/net/udp and /proc/net/udp6 of the caller's network namespace. Undefined where those files do not exist
 * (not Linux) or no such socket is open.
 */
export function kernelDrops(port: number, procNet = '/proc/net'): number | undefined {
  const wanted = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let total: number | undefined;
  for (const file of ['udp', 'udp6']) {
    let text: string;
    try {
      text = readFileSync(`${procNet}/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
      if (columns.length < 13 || !columns[1].endsWith(wanted)) continue;
      total = (total ?? 0) + Number(columns[columns.length - 1]);
    }
  }
  return total;
}
