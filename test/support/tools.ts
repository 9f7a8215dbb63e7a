import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcapFile } from '../../plugins/netflow/pcap-file.js';

/** Runs a reference tool; a missing tool fails the test (CI installs them in .ci/run), it never skips it. */
export function tool(name: string, args: string[]): string {
  try {
    return execFileSync(name, args, {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error(`${name} is not installed (apt: argus-server argus-client nfdump; see .ci/run)`);
    throw new Error(`${name} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('exit', () => resolve());
    child.once('error', reject);
  });
}

/**
 * nfdump's collector fed with the NetFlow datagrams of a lab export, as the probe sent them: the resulting
 * nfcapd directory is what `nfdump -R` reads.
 */
export async function nfcapdFromExport(pcap: string, port: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-nfcapd-'));
  const child = spawn('nfcapd', ['-b', '127.0.0.1', '-p', String(port), '-w', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  const done = exited(child);
  await new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Error('nfcapd is not installed (apt: nfdump; see .ci/run)') : err),
    );
    const poll = setInterval(() => {
      if (/Startup/.test(log)) {
        clearInterval(poll);
        resolve();
      }
    }, 50);
  });
  const { datagrams } = await readPcapFile(pcap);
  const socket = createSocket('udp4');
  for (const d of datagrams) {
    await new Promise<void>((resolve, reject) =>
      socket.send(d.payload, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
    // Paced like the probe, so that the collector's socket buffer never overflows.
    await new Promise((r) => setTimeout(r, 1));
  }
  socket.close();
  await new Promise((r) => setTimeout(r, 500));
  child.kill('SIGTERM');
  await done;
  if (!/Flows: \d+/.test(log)) throw new Error(`nfcapd did not report its flows:\n${log}`);
  return dir;
}

/** `-o csv` output of nfdump or ra as objects keyed by the header line (nfdump's summary lines dropped). */
export function parseCsv(text: string): Array<Record<string, string>> {
  const lines = text
    .trim()
    .split('\n')
    .filter((l) => l.includes(','));
  const header = lines[0].split(',');
  return lines
    .slice(1)
    .map((line) => Object.fromEntries(line.split(',').map((v, i) => [header[i], v.trim()])));
}
