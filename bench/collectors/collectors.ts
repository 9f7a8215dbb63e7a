/**
 * How the NetFlow bench starts each collector on a UDP port and reads how many flows it has durably written, with
 * one definition for all: a flow counts once decoded and written where that collector writes — acknowledged by the
 * bulk endpoint (flowtrail, Filebeat), in its output file (GoFlow2), in its files as nfdump reads them (nfcapd).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { cpuSeconds, peakRss, udpQueued } from './process-stats.js';

const REPO = join(import.meta.dirname, '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long a collector may take to write what it holds once its socket is empty. */
const MAX_DRAIN_MS = 600_000;
/** Written counts that stay the same this long, with the socket empty, mean a collector holds nothing more. */
const SETTLED_MS = 2_000;

export interface Final {
  written: number;
  cpuSeconds: number;
  peakRss: number;
  /** From the sender's end until the last flow was written (collectors whose output can be watched). */
  drainMs?: number;
}

export interface RunningCollector {
  readonly pid: number;
  /** Flows written so far, where that can be read while the collector runs (not nfcapd's files). */
  written(): Promise<number | undefined>;
  /** Waits until it has written what it received (or MAX_DRAIN_MS passed), stops it, and says what it wrote. */
  stop(sentAt: number): Promise<Final>;
}

export interface CollectorKind {
  name: string;
  /** What its figures include and what they leave out. */
  note: string;
  start(port: number, receiveBuffer: number): Promise<RunningCollector>;
}

/** The bench's `_bulk` endpoint (bulk-endpoint.ts) in a process of its own. */
class BulkEndpoint {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(): Promise<BulkEndpoint> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'bulk-endpoint.ts')],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        cwd: REPO,
      },
    );
    const line = await createInterface({ input: child.stdout as NodeJS.ReadableStream })
      [Symbol.asyncIterator]()
      .next();
    const { port } = JSON.parse(line.value as string) as { port: number };
    return new BulkEndpoint(child, `http://127.0.0.1:${port}`);
  }

  /** Flow documents acknowledged: those sent to a flows data stream or a Filebeat index. */
  async flows(): Promise<number> {
    const stats = (await (await fetch(`${this.url}/_bench/stats`)).json()) as {
      by_index: Record<string, number>;
    };
    return Object.entries(stats.by_index)
      .filter(([index]) => /flows|filebeat/.test(index))
      .reduce((sum, [, n]) => sum + n, 0);
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * Waits for the socket to empty and `written` to stay the same for SETTLED_MS, then takes the process's figures
 * and stops it.
 */
export async function drainAndStop(
  child: ChildProcess,
  port: number,
  sentAt: number,
  written: () => Promise<number | undefined>,
): Promise<Final & { lastChangeAt: number }> {
  let last = -1;
  let lastChangeAt = sentAt;
  let stableSince = Date.now();
  while (Date.now() - sentAt < MAX_DRAIN_MS) {
    const now = (await written()) ?? 0;
    if (now !== last) {
      last = now;
      lastChangeAt = Date.now();
      stableSince = lastChangeAt;
    }
    if (udpQueued(port) === 0 && Date.now() - stableSince >= SETTLED_MS) break;
    await sleep(100);
  }
  const pid = child.pid ?? 0;
  const figures = { cpuSeconds: cpuSeconds(pid), peakRss: peakRss(pid) };
  child.kill('SIGTERM');
  await Promise.race([exitOf(child), sleep(30_000)]);
  child.kill('SIGKILL');
  return { written: Math.max(last, 0), ...figures, lastChangeAt };
}

/** Every process the bench started, stopped with it however it ends (a collector left running would skew the next). */
const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => process.exit(130));
}

/** Its output goes to `$TMPDIR/flowtrail-bench/<name>.log`, kept for a look after a step went wrong. */
function spawnLogged(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  const dir = join(tmpdir(), 'flowtrail-bench');
  mkdirSync(dir, { recursive: true });
  const log = openSync(join(dir, `${name.replace(/\W+/g, '-')}.log`), 'w');
  const child = spawn(command, args, { stdio: ['ignore', log, log], env: { ...process.env, ...env } });
  closeSync(log);
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** A collector writing to `endpoint`: its flows are those the endpoint acknowledged. */
function writingToEndpoint(
  child: ChildProcess,
  endpoint: BulkEndpoint,
  port: number,
  home: string,
): RunningCollector {
  const written = () => endpoint.flows();
  return {
    pid: child.pid ?? 0,
    written,
    async stop(sentAt) {
      const final = await drainAndStop(child, port, sentAt, written);
      // What its sink flushed on shutdown counts too: it was written before the collector said it stopped.
      const total = await endpoint.flows();
      endpoint.stop();
      rmSync(home, { recursive: true, force: true });
      return { ...final, written: total, drainMs: final.lastChangeAt - sentAt };
    },
  };
}

/** flowtrail's own `collect`, as users run it, with its Elasticsearch sink pointed at `esUrl`. */
export function startFlowtrailCollect(
  name: string,
  esUrl: string,
  port: number,
  receiveBuffer: number,
): { child: ChildProcess; home: string } {
  const home = mkdtempSync(join(tmpdir(), 'flowtrail-bench-home-'));
  const config = join(home, 'flowtrail.yml');
  writeFileSync(
    config,
    [
      'elasticsearch:',
      `  url: ${esUrl}`,
      'inputs:',
      '  netflow:',
      '    host: 127.0.0.1',
      `    port: ${port}`,
      `    receive_buffer_bytes: ${receiveBuffer}b`,
      'metrics:',
      '  enabled: false',
      '',
    ].join('\n'),
  );
  // The script itself, so that the V8 flags on its #! line apply as they do for users.
  const child = spawnLogged(name, join(REPO, 'bin', 'flowtrail.js'), ['collect', '--config', config], {
    FLOWTRAIL_HOME: home,
  });
  return { child, home };
}

/** flowtrail's own `collect`, as users run it, writing to the bulk endpoint through its Elasticsearch sink. */
export const flowtrail: CollectorKind = {
  name: 'flowtrail',
  note: 'collect (journal, decode worker, pipeline, Elasticsearch sink, detections) -> bulk endpoint',
  async start(port, receiveBuffer) {
    const endpoint = await BulkEndpoint.start();
    const { child, home } = startFlowtrailCollect('flowtrail', endpoint.url, port, receiveBuffer);
    return writingToEndpoint(child, endpoint, port, home);
  },
};

/**
 * JSON messages appended to a file, counted by a key each holds once. Not by lines: GoFlow2's file transport
 * writes a message and its separator in two writes from several workers, so two messages can share a line.
 */
class JsonMessageCounter {
  private offset = 0;
  private count = 0;
  private carry = '';
  constructor(
    private readonly file: string,
    private readonly key: string,
  ) {}

  read(): number {
    if (!existsSync(this.file)) return 0;
    const fd = openSync(this.file, 'r');
    const buffer = Buffer.alloc(1 << 20);
    try {
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, this.offset);
        if (n === 0) break;
        this.offset += n;
        const text = this.carry + buffer.toString('latin1', 0, n);
        let at = text.indexOf(this.key);
        while (at !== -1) {
          this.count++;
          at = text.indexOf(this.key, at + this.key.length);
        }
        this.carry = text.slice(Math.max(0, text.length - this.key.length + 1));
      }
    } finally {
      closeSync(fd);
    }
    return this.count;
  }
}

/**
 * Protobuf messages each preceded by its varint length, as GoFlow2's `bin` format writes them (run with no
 * separator, so that each message is one write), counted as they come.
 */
class DelimitedCounter {
  private offset = 0;
  private count = 0;
  constructor(private readonly file: string) {}

  read(): number {
    if (!existsSync(this.file)) return 0;
    const size = statSync(this.file).size;
    if (size <= this.offset) return this.count;
    const fd = openSync(this.file, 'r');
    try {
      const chunk = Buffer.alloc(size - this.offset);
      readSync(fd, chunk, 0, chunk.length, this.offset);
      let at = 0;
      while (at < chunk.length) {
        let length = 0;
        let shift = 0;
        let p = at;
        while (p < chunk.length && chunk[p] & 0x80) {
          length += (chunk[p] & 0x7f) * 2 ** shift;
          shift += 7;
          p++;
        }
        if (p >= chunk.length) break;
        length += chunk[p] * 2 ** shift;
        p++;
        if (p + length > chunk.length) break;
        at = p + length;
        this.count++;
      }
      this.offset += at;
    } finally {
      closeSync(fd);
    }
    return this.count;
  }
}

export function goflow2(binary: string, format: 'json' | 'bin'): CollectorKind {
  return {
    name: `GoFlow2 ${format === 'json' ? 'JSON' : 'protobuf'}`,
    note: `goflow2 -format ${format} -transport file (flow messages appended to a file)`,
    async start(port) {
      const dir = mkdtempSync(join(tmpdir(), 'flowtrail-bench-goflow2-'));
      const out = join(dir, 'flows');
      const child = spawnLogged(`goflow2-${format}`, binary, [
        '-listen',
        `netflow://127.0.0.1:${port}`,
        '-format',
        format,
        '-transport',
        'file',
        '-transport.file',
        out,
        // Without a separator each message is one write; with one, messages and separators of its workers interleave.
        ...(format === 'bin' ? ['-transport.file.sep='] : []),
        '-addr',
        '127.0.0.1:0',
        '-loglevel',
        'error',
      ]);
      const counter =
        format === 'json' ? new JsonMessageCounter(out, '"sampler_address":') : new DelimitedCounter(out);
      const written = async () => counter.read();
      return {
        pid: child.pid ?? 0,
        written,
        async stop(sentAt) {
          const final = await drainAndStop(child, port, sentAt, written);
          const total = counter.read();
          rmSync(dir, { recursive: true, force: true });
          return { ...final, written: total, drainMs: final.lastChangeAt - sentAt };
        },
      };
    },
  };
}

export const nfcapd: CollectorKind = {
  name: 'nfcapd',
  note: 'nfcapd writing its binary files; flows counted by nfdump -I after it stopped',
  async start(port, receiveBuffer) {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-bench-nfcapd-'));
    const child = spawnLogged('nfcapd', 'nfcapd', [
      '-b',
      '127.0.0.1',
      '-p',
      String(port),
      '-w',
      dir,
      '-B',
      String(receiveBuffer),
    ]);
    return {
      pid: child.pid ?? 0,
      written: async () => undefined,
      async stop(sentAt) {
        const final = await drainAndStop(child, port, sentAt, async () => undefined);
        const summary = execFileSync('nfdump', ['-R', dir, '-I'], { encoding: 'utf8' });
        rmSync(dir, { recursive: true, force: true });
        return { ...final, written: Number(summary.match(/^Flows:\s+(\d+)/m)?.[1] ?? 0) };
      },
    };
  },
};

/** Filebeat's NetFlow input writing to the bulk endpoint (it refuses an OSS node, so the endpoint stands in). */
export function filebeat(binary: string): CollectorKind {
  return {
    name: 'Filebeat',
    note: 'filebeat netflow input -> output.elasticsearch -> bulk endpoint',
    async start(port, receiveBuffer) {
      const endpoint = await BulkEndpoint.start();
      const home = mkdtempSync(join(tmpdir(), 'flowtrail-bench-filebeat-'));
      const config = join(home, 'filebeat.yml');
      writeFileSync(
        config,
        [
          'filebeat.inputs:',
          '  - type: netflow',
          `    host: "127.0.0.1:${port}"`,
          '    protocols: [v5, v9, ipfix]',
          `    read_buffer: ${receiveBuffer}`,
          'output.elasticsearch:',
          `  hosts: ["${endpoint.url}"]`,
          'setup.template.enabled: false',
          'setup.ilm.enabled: false',
          'logging.level: warning',
          '',
        ].join('\n'),
      );
      const child = spawnLogged('filebeat', binary, [
        '-c',
        config,
        '--strict.perms=false',
        '--path.home',
        home,
        '--path.data',
        join(home, 'data'),
        '--path.logs',
        join(home, 'logs'),
      ]);
      return writingToEndpoint(child, endpoint, port, home);
    },
  };
}
