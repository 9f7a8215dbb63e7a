import { readFileSync, statSync } from 'node:fs';
import { METER_DEFAULTS, meterUnavailable } from '../../../codecs/pcap/meter.js';
import { RingOpenError, ringGeometry, ringUnavailable } from '../../../plugins/tap/ring.js';
import { UsageError } from '../../../src/errors.js';
import { CollectorFeed } from '../../watch/collector-feed.js';
import { fileFeed } from '../../watch/file-feed.js';
import { FilterError, type FlowFilter, parseFilter } from '../../watch/filter.js';
import { interfaceFeed } from '../../watch/interface-feed.js';
import { runWatch, type WatchFeed } from '../../watch/run.js';
import { captureRefusal } from '../../wiring/pcap-input.js';
import type { CliCommand } from '../command.js';

interface WatchFlags {
  file?: string;
  from?: string;
  interface?: string;
  bpf?: string;
  tokenFile?: string;
  speed?: string;
  realtime?: boolean;
  filter?: string;
  keep: string;
  maxFlows?: string;
}

/** Updates per second of the screen (and of the rates it shows). */
const TICK_MS = 1000;

function positive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0)) throw new UsageError(`${flag}: a positive number expected, got ${value}`);
  return n;
}

function captureFeed(o: WatchFlags, file: string): WatchFeed {
  try {
    if (!statSync(file).isFile()) throw new UsageError(`--file ${file}: not a file`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--file ${file}: ${(err as Error).message}`);
  }
  const why = meterUnavailable();
  if (why !== undefined) throw new UsageError(`watch --file needs the native flow meter: ${why}`);
  const speed = o.realtime
    ? 1
    : o.speed === 'max'
      ? Number.POSITIVE_INFINITY
      : (positive(o.speed, '--speed') ?? 1);
  const maxFlows = positive(o.maxFlows, '--max-flows') ?? METER_DEFAULTS.maxFlows;
  return fileFeed(file, speed, { ...METER_DEFAULTS, maxFlows });
}

/** The API token: --token-file's first line, else FLOWTRAIL_API_TOKEN, else none (a collector on loopback). */
function apiToken(o: WatchFlags): string | undefined {
  if (o.tokenFile !== undefined) {
    try {
      return readFileSync(o.tokenFile, 'utf8').split('\n')[0].trim();
    } catch (err) {
      throw new UsageError(`--token-file ${o.tokenFile}: ${(err as Error).message}`);
    }
  }
  return process.env.FLOWTRAIL_API_TOKEN?.trim() || undefined;
}

function collectorFeed(o: WatchFlags, from: string): WatchFeed {
  let url: URL;
  try {
    url = new URL(from);
  } catch {
    throw new UsageError(`--from ${from}: not a URL (http://host:port of flowtrail up's API)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--from ${from}: an http:// or https:// URL expected`);
  return new CollectorFeed({ url: url.origin, token: apiToken(o) });
}

/** Only the headers are metered: this much of each frame is copied out of the ring. */
const LIVE_SNAPLEN = 256;
/** The kernel's ring for `watch --interface`: a second of a busy gigabit link's headers. */
const LIVE_RING_BYTES = 16 * 1024 ** 2;

function liveFeed(o: WatchFlags, name: string): WatchFeed {
  const why = ringUnavailable() ?? meterUnavailable();
  if (why !== undefined) throw new UsageError(`watch --interface needs the native capture and meter: ${why}`);
  const maxFlows = positive(o.maxFlows, '--max-flows') ?? METER_DEFAULTS.maxFlows;
  try {
    return interfaceFeed(
      {
        interface: name,
        filter: o.bpf ?? '',
        snaplen: LIVE_SNAPLEN,
        promiscuous: true,
        ...ringGeometry(LIVE_RING_BYTES),
      },
      { ...METER_DEFAULTS, maxFlows },
    );
  } catch (err) {
    if (!(err instanceof RingOpenError)) throw err;
    throw new UsageError(`--interface: ${captureRefusal(err)}`);
  }
}

function feedOf(o: WatchFlags): WatchFeed {
  const sources = [o.file, o.from, o.interface].filter((s) => s !== undefined).length;
  if (sources !== 1)
    throw new UsageError(
      'watch: say what to watch, one of: --file <capture>, --interface <name>, --from <collector URL>',
    );
  if (o.bpf !== undefined && o.interface === undefined)
    throw new UsageError('--bpf filters a live capture: it goes with --interface');
  if (o.file !== undefined) return captureFeed(o, o.file);
  if (o.interface !== undefined) return liveFeed(o, o.interface);
  return collectorFeed(o, o.from as string);
}

function filterOf(text: string | undefined): FlowFilter {
  try {
    return parseFilter(text ?? '');
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    throw new UsageError(`--filter: ${err.message}`);
  }
}

async function watch(o: WatchFlags): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new UsageError('watch draws on a terminal: run it in one (ssh -t, tmux, screen work too)');
  const filter = filterOf(o.filter);
  const keepClosed = positive(o.keep, '--keep') ?? 0;
  const feed = feedOf(o);
  await runWatch({ feed, filter, keepClosed, tickMs: TICK_MS, input: process.stdin, output: process.stdout });
  return 0;
}

export const watchCommand: CliCommand = (parent, { run }) => {
  parent
    .command('watch')
    .description(
      'a live terminal monitor: flows with TCP flags and state, hosts, ports, protocols, packet sizes, LAN stations',
    )
    .option(
      '--file <capture>',
      'replay a pcap/pcapng capture (.gz too) through the flow meter at its recorded pace',
    )
    .option(
      '--interface <name>',
      'capture this interface live (needs root or CAP_NET_RAW); nothing is written anywhere',
    )
    .option('--bpf <filter>', 'with --interface: capture only what this tcpdump filter passes')
    .option(
      '--from <url>',
      "follow a running collector's flows: the API of `flowtrail up` (http://host:port)",
    )
    .option(
      '--token-file <file>',
      'the API token for --from (default: FLOWTRAIL_API_TOKEN; none on loopback)',
    )
    .option('--speed <n>', 'replay n times faster than recorded (max: as fast as it goes)')
    .option('--realtime', 'replay at the recorded pace (the default)')
    .option(
      '--filter <words>',
      'start with this filter (the words `/` takes: 10.0.0.0/8 443 tcp state S0 not …)',
    )
    .option('--keep <n>', 'finished conversations kept on screen at most', '20000')
    .option(
      '--max-flows <n>',
      'open flows the meter holds at most (the least recently seen are written out first)',
    )
    .action(run((o: WatchFlags) => watch(o)));
};
