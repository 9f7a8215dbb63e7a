import { UsageError } from '../errors.js';
import { billing } from './billing.js';
import type { Report } from './context.js';
import { interfaceTraffic } from './interfaces.js';
import { topAs, topCountries } from './origins.js';
import { packetSizes } from './packet-sizes.js';
import { hostPairs } from './pairs.js';
import { portBreakdown } from './ports.js';
import { remoteHosts } from './remote-hosts.js';
import { scansIn, scansOut } from './scanners.js';
import { clientServer } from './services.js';
import { statistics } from './stats.js';
import { topReceivers, topSenders } from './talkers.js';

export const REPORTS: Report[] = [
  topSenders,
  topReceivers,
  hostPairs,
  remoteHosts,
  topAs,
  topCountries,
  scansIn,
  scansOut,
  clientServer,
  portBreakdown,
  packetSizes,
  billing,
  statistics,
  interfaceTraffic,
];

export function reportNamed(name: string): Report {
  const report = REPORTS.find((r) => r.name === name);
  if (!report)
    throw new UsageError(`report: unknown report "${name}"; one of ${REPORTS.map((r) => r.name).join(', ')}`);
  return report;
}
