import { writeFileSync } from 'node:fs';
import { Option } from 'commander';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { correlationSettings } from '../../../src/correlate/correlator.js';
import { type SessionPackets, sessionPackets } from '../../../src/packets/request.js';
import { PCAP_KINDS, type PcapKind } from '../../../src/packets/resolve.js';
import { connect } from '../../wiring/elasticsearch.js';
import { packetStoreReader } from '../../wiring/packet-store.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { printResult } from '../output.js';

interface PcapFlags {
  kind?: PcapKind;
  output?: string;
  packetStore?: string;
  json?: boolean;
}

/** A file name of the id's own characters, for when no -o is given. */
function defaultOutput(id: string): string {
  return `flowtrail-${id.replace(/[^A-Za-z0-9._-]/g, '_')}.pcap`;
}

/**
 * `flowtrail pcap <id>`: the session's packets out of the packet store into a pcap file (or stdout with `-o -`).
 * Packets that are not in the store any more are said so, with exit code 1.
 */
async function runPcap(id: string, config: FlowtrailConfig, flags: PcapFlags): Promise<number> {
  if (flags.packetStore !== undefined) config.packet_store.path = flags.packetStore;
  const reader = packetStoreReader(config);
  const { store: client } = await connect(config);
  let result: SessionPackets;
  try {
    result = await sessionPackets(client, correlationSettings(config), reader, flags.kind, id);
  } finally {
    await client.close();
  }
  if (!result.found) {
    process.stderr.write(`flowtrail: ${result.message}\n`);
    return 1;
  }
  const output = flags.output ?? defaultOutput(id);
  if (output === '-') process.stdout.write(result.pcap);
  else writeFileSync(output, result.pcap);
  const summary = {
    file: output === '-' ? undefined : output,
    packets: result.packets,
    session: result.session,
    files_read: result.filesRead,
    ...(result.note === undefined ? {} : { note: result.note }),
  };
  const text = () =>
    [`${result.packets} packet(s) of ${result.session} written to ${output === '-' ? 'stdout' : output}`]
      .concat(result.note === undefined ? [] : [result.note])
      .join('\n');
  // The packets may be on stdout: what was written is said on stderr then.
  if (output === '-') process.stderr.write(`${flags.json ? JSON.stringify(summary) : text()}\n`);
  else printResult(Boolean(flags.json), summary, text);
  return 0;
}

export const pcapCommand: CliCommand = (parent, { withConfig, run }) => {
  withConfig(parent.command('pcap'))
    .description(
      "write one session's packets out of the packet store (packet_store): an alert's, a Community ID's or a flow's",
    )
    .argument('<id>', 'an alert document id, a Community ID (1:…) or a flow document id')
    .addOption(
      new Option(
        '--kind <kind>',
        'what the id is (default: a Community ID by its form, else an alert, else a flow)',
      ).choices([...PCAP_KINDS]),
    )
    .option('-o, --output <file>', 'the pcap file to write (default: flowtrail-<id>.pcap; - for stdout)')
    .option('--packet-store <dir>', 'the ring to read (default: packet_store.path)')
    .option('--json', 'print what was written as JSON')
    .action(run((id: string, o: ConfigFlags & PcapFlags) => runPcap(id, resolveConfig(o), o)));
};
