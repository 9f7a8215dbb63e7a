import { UsageError } from '../../../src/errors.js';
import { communityId } from '../../../src/schema/community-id.js';
import { protocolNumber } from '../../../src/schema/protocols.js';
import type { CliCommand } from '../command.js';
import { printResult } from '../output.js';

function portArgument(value: string, name: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new UsageError(`${name}: expected a port 0-65535, got "${value}"`);
  return Number(value);
}

function printCommunityId(
  proto: string,
  saddr: string,
  sport: string,
  daddr: string,
  dport: string,
  options: { seed?: string; base64: boolean; json?: boolean },
): number {
  const protocol = protocolNumber(proto);
  if (protocol === undefined || protocol > 255) throw new UsageError(`proto: unknown protocol "${proto}"`);
  const seed = options.seed === undefined ? 0 : Number(options.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 65535)
    throw new UsageError(`--seed: expected 0-65535, got "${options.seed}"`);
  let id: string;
  try {
    id = communityId(protocol, saddr, portArgument(sport, 'sport'), daddr, portArgument(dport, 'dport'), {
      seed,
      base64: options.base64,
    });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`invalid address: ${(err as Error).message}`);
  }
  printResult(Boolean(options.json), { community_id: id }, () => id);
  return 0;
}

export const communityIdCommand: CliCommand = (parent, { run }) => {
  parent
    .command('community-id')
    .description('print the Community ID v1 of a flow (like pycommunityid)')
    .argument('<proto>', 'protocol name or number (tcp, udp, icmp, 6…)')
    .argument('<saddr>')
    .argument('<sport>', 'source port (ICMP: type)')
    .argument('<daddr>')
    .argument('<dport>', 'destination port (ICMP: code)')
    .option('--seed <n>', 'seed (0-65535)')
    .option('--no-base64', 'hex digest instead of base64')
    .option('--json', 'print as JSON')
    .action(run(printCommunityId));
};
