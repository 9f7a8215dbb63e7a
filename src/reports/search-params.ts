import { UsageError } from '../errors.js';
import { protocolNumber, transportName } from '../schema/protocols.js';
import { addressOrNetwork, FLAG_NAMES, integerIn, type Naming, parseObserverView } from './params.js';
import type { FlowFilter } from './search.js';
import { MAX_LIMIT } from './search.js';
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
  observer?: string;
  limit?: string;
}

/** A protocol as its name (`tcp`, `icmp6`…) or number, to the `network.transport` flow records have. */
function transport(value: string, name: string): string {
  const number = protocolNumber(value);
  if (number === undefined || number > 255)
    throw new UsageError(
      `${name}: expected a protocol name (tcp, udp, icmp…) or number 0..255, got "${value}"`,
    );
  return transportName(number);
}

export function parseSearch(flags: SearchFlags, now = Date.now(), naming: Naming = FLAG_NAMES): FlowFilter {
  const optional = <T>(value: string | undefined, read: (value: string) => T) =>
    value === undefined ? undefined : read(value);
  return {
    range: parseRange(flags.from, flags.to, now, naming),
    ip: optional(flags.ip, (v) => addressOrNetwork(v, naming('ip'))),
    localPort: optional(flags.localPort, (v) => integerIn(v, naming('localPort'), 0, 65535)),
    remotePort: optional(flags.remotePort, (v) => integerIn(v, naming('remotePort'), 0, 65535)),
    protocol: optional(flags.protocol, (v) => transport(v, naming('protocol'))),
    minBytes: optional(flags.minBytes, (v) => integerIn(v, naming('minBytes'), 0, Number.MAX_SAFE_INTEGER)),
    maxBytes: optional(flags.maxBytes, (v) => integerIn(v, naming('maxBytes'), 0, Number.MAX_SAFE_INTEGER)),
    firstTalker: optional(flags.firstTalker, (v) => addressOrNetwork(v, naming('firstTalker'))),
    observer: parseObserverView({ observer: flags.observer }, naming).only,
    limit: optional(flags.limit, (v) => integerIn(v, naming('limit'), 1, MAX_LIMIT)) ?? 100,
  };
}
