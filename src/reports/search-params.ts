import { UsageError } from '../errors.js';
import { checkAddress, type FlowFilter, MAX_LIMIT } from './search.js';
import { parseRange } from './time.js';

/** Flags (or query-string parameters) of a flow search, as given. */
export interface SearchFlags {
  from?: string;
  to?: string;
  ip?: string;
  localPort?: string;
  remotePort?: string;
  protocol?: string;
  minBytes?: string;
  maxBytes?: string;
  firstTalker?: string;
  limit?: string;
}

function integer(value: string | undefined, what: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new UsageError(`${what}: expected an integer 0..${max}`);
  return n;
}

export function parseSearch(flags: SearchFlags, now = Date.now()): FlowFilter {
  return {
    range: parseRange(flags.from, flags.to, now),
    ip: flags.ip === undefined ? undefined : checkAddress(flags.ip, '--ip'),
    localPort: integer(flags.localPort, '--local-port', 65535),
    remotePort: integer(flags.remotePort, '--remote-port', 65535),
    protocol: flags.protocol,
    minBytes: integer(flags.minBytes, '--min-bytes', Number.MAX_SAFE_INTEGER),
    maxBytes: integer(flags.maxBytes, '--max-bytes', Number.MAX_SAFE_INTEGER),
    firstTalker:
      flags.firstTalker === undefined ? undefined : checkAddress(flags.firstTalker, '--first-talker'),
    limit: integer(flags.limit, '--limit', MAX_LIMIT) ?? 100,
  };
}
