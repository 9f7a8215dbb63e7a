/**
 * Reads exporters' interface names and speeds over SNMP: ifName, ifAlias and ifHighSpeed of IF-MIB's ifXTable
 * (RFC 2863), v2c or v3, every `intervalMs`. Each round's tables go to `onTables` whole; an agent that does not answer keeps what it answered
 * last, so that a lost poll does not strip the names off its flows.
 */
import snmp from 'net-snmp';
import type { Logger } from 'pino';
import type { InterfaceLabel, InterfaceTables } from '../../src/enrich/interface-names.js';
import { LogThrottle } from '../../src/observability/throttle.js';

/** IF-MIB::ifXTable and its columns ifName (1), ifHighSpeed (15, Mbit/s) and ifAlias (18). */
const IF_X_TABLE = '1.3.6.1.2.1.31.1.1';
const IF_NAME = 1;
const IF_HIGH_SPEED = 15;
const IF_ALIAS = 18;
/** Rows asked for per GetBulk request. */
const MAX_REPETITIONS = 20;
/** Interface rows kept per agent: a switch stack has hundreds, an agent answering endless rows is broken. */
const MAX_ROWS = 16_384;
const MAX_TEXT = 256;

export interface SnmpV3User {
  name: string;
  level: 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
  authProtocol: 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
  authKey?: string;
  privProtocol: 'des' | 'aes' | 'aes256b' | 'aes256r';
  privKey?: string;
}

export interface SnmpAgent {
  /** The exporter whose flows get the names: its address as flows arrive from it. */
  exporter: string;
  /** Where the agent listens. */
  host: string;
  port: number;
  version: '2c' | '3';
  community?: string;
  user?: SnmpV3User;
}

export interface InterfacePollerOptions {
  agents: SnmpAgent[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  onTables: (tables: InterfaceTables) => void;
  logger: Pick<Logger, 'warn' | 'info'>;
}

const AUTH: Record<SnmpV3User['authProtocol'], snmp.AuthProtocols> = {
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha224: snmp.AuthProtocols.sha224,
  sha256: snmp.AuthProtocols.sha256,
  sha384: snmp.AuthProtocols.sha384,
  sha512: snmp.AuthProtocols.sha512,
};
const PRIV: Record<SnmpV3User['privProtocol'], snmp.PrivProtocols> = {
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256b: snmp.PrivProtocols.aes256b,
  aes256r: snmp.PrivProtocols.aes256r,
};

function textOf(value: unknown): string | undefined {
  const text = Buffer.isBuffer(value)
    ? value.toString('utf8')
    : typeof value === 'string'
      ? value
      : undefined;
  const trimmed = text?.replace(/\0+$/, '').trim();
  return trimmed ? trimmed.slice(0, MAX_TEXT) : undefined;
}

function sessionOf(agent: SnmpAgent, options: InterfacePollerOptions): snmp.Session {
  const transport = agent.host.includes(':') ? 'udp6' : 'udp4';
  const common = {
    port: agent.port,
    timeout: options.timeoutMs,
    retries: options.retries,
    transport,
  } as const;
  if (agent.version === '2c')
    return snmp.createSession(agent.host, agent.community ?? 'public', {
      ...common,
      version: snmp.Version2c,
    });
  const u = agent.user as SnmpV3User;
  const user: snmp.User = { name: u.name, level: snmp.SecurityLevel[u.level] };
  if (u.level !== 'noAuthNoPriv') {
    user.authProtocol = AUTH[u.authProtocol];
    user.authKey = u.authKey;
  }
  if (u.level === 'authPriv') {
    user.privProtocol = PRIV[u.privProtocol];
    user.privKey = u.privKey;
  }
  return snmp.createV3Session(agent.host, user, { ...common, version: snmp.Version3 });
}

/**
 * ifHighSpeed, where the agent knows it: 0 is what agents answer for an interface whose speed they cannot tell
 * (and for those under 0.5 Mbit/s, which flow exporters do not have).
 */
function speedOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** The agent's ifName/ifAlias/ifHighSpeed by ifIndex. */
export function readInterfaces(
  agent: SnmpAgent,
  options: InterfacePollerOptions,
): Promise<Record<string, InterfaceLabel>> {
  const session = sessionOf(agent, options);
  return new Promise<Record<string, InterfaceLabel>>((resolve, reject) => {
    session.on('error', reject);
    const wanted = [IF_NAME, IF_HIGH_SPEED, IF_ALIAS].map(String);
    session.tableColumns(IF_X_TABLE, wanted, MAX_REPETITIONS, (err, table) => {
      if (err || table === undefined) {
        reject(err ?? new Error('no table'));
        return;
      }
      const rows = table as unknown as Record<string, Record<string, unknown>>;
      const out: Record<string, InterfaceLabel> = {};
      let count = 0;
      for (const [index, columns] of Object.entries(rows)) {
        if (++count > MAX_ROWS) break;
        const label: InterfaceLabel = {};
        const name = textOf(columns[IF_NAME]);
        const alias = textOf(columns[IF_ALIAS]);
        const speed = speedOf(columns[IF_HIGH_SPEED]);
        if (name !== undefined) label.name = name;
        if (alias !== undefined) label.alias = alias;
        if (speed !== undefined) label.speed_mbps = speed;
        if (Object.keys(label).length > 0) out[index] = label;
      }
      resolve(out);
    });
  }).finally(() => session.close());
}

export class InterfacePoller {
  private readonly tables: InterfaceTables = {};
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly failures = new LogThrottle();

  constructor(private readonly options: InterfacePollerOptions) {}

  /** Polls now and then every `intervalMs` until `stop`. */
  start(): void {
    void this.round();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** One round over all agents; resolves with the tables handed to `onTables`. */
  async round(): Promise<InterfaceTables> {
    await Promise.all(this.options.agents.map((agent) => this.poll(agent)));
    if (!this.stopped) {
      this.options.onTables({ ...this.tables });
      this.timer = setTimeout(() => void this.round(), this.options.intervalMs).unref();
    }
    return { ...this.tables };
  }

  private async poll(agent: SnmpAgent): Promise<void> {
    try {
      this.tables[agent.exporter] = await readInterfaces(agent, this.options);
    } catch (err) {
      const suppressed = this.failures.admit(agent.exporter);
      if (suppressed !== undefined) {
        this.options.logger.warn(
          {
            exporter: agent.exporter,
            agent: `${agent.host}:${agent.port}`,
            err: (err as Error).message,
            since_last: suppressed,
          },
          'snmp: cannot read interface names and speeds; the last ones read are kept',
        );
      }
    }
  }
}
