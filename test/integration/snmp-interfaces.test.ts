import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { type InterfacePollerOptions, readInterfaces } from '../../plugins/snmp/interface-poller.js';
import { exited } from '../support/cli.js';
import { setUpCollector, startCollector } from '../support/collector.js';
import { type TestClient, testClient } from '../support/es.js';
import { dataSet, ipfixMessage, templateSet } from '../support/netflow/ipfix.js';
import { createNetnsLab, type NetnsLab } from '../support/netns.js';
import { describeNeeding, firstMissing, namespacesMissing, toolsMissing } from '../support/requirements.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const COMMUNITY = 'ftlab-ro';
const V3 = { user: 'ftlab', authKey: 'ftlab-auth-key', privKey: 'ftlab-priv-key' };
const FLOW_TEMPLATE = 400;

/** The ifIndex of `device` in `namespace`, as `ip -o link` gives it (`7: export0@if8: …`). */
async function ifIndexOf(lab: NetnsLab, namespace: string, device: string): Promise<number> {
  const line = await lab.exec(namespace, 'ip', ['-o', 'link', 'show', device]);
  return Number.parseInt(line, 10);
}

/** The speed of `device` in `namespace` in Mbit/s as the kernel reports it, which snmpd serves as ifHighSpeed. */
async function speedOf(lab: NetnsLab, namespace: string, device: string): Promise<number> {
  return Number.parseInt(await lab.exec(namespace, 'cat', [`/sys/class/net/${device}/speed`]), 10);
}

/** An IPFIX message with its template and one flow from ingress `ingress` to egress `egress`. */
function flowMessage(sequence: number, ingress: number, egress: number): Buffer {
  const now = Date.now();
  const record = Buffer.alloc(4 + 4 + 1 + 4 + 4 + 8 + 8 + 8);
  Buffer.from([10, 9, 0, 1]).copy(record, 0);
  Buffer.from([10, 9, 0, 2]).copy(record, 4);
  record.writeUInt8(17, 8);
  record.writeUInt32BE(ingress, 9);
  record.writeUInt32BE(egress, 13);
  record.writeBigUInt64BE(1000n, 17);
  record.writeBigUInt64BE(BigInt(now - 1000), 25);
  record.writeBigUInt64BE(BigInt(now), 33);
  const fields = [8, 12, 4, 10, 14, 1, 152, 153].map((id, i) => ({
    id,
    length: [4, 4, 1, 4, 4, 8, 8, 8][i],
  }));
  return ipfixMessage(1, sequence, now, [
    templateSet([{ id: FLOW_TEMPLATE, fields }]),
    dataSet(FLOW_TEMPLATE, [record]),
  ]);
}

async function namedFlows(es: TestClient, index: string): Promise<Array<Record<string, unknown>>> {
  const { body } = await es
    .search({
      index,
      size: 10,
      body: { query: { exists: { field: 'observer.ingress.interface.name' } } },
    })
    .catch(() => ({ body: { hits: { hits: [] } } }));
  return (body as { hits: { hits: Array<{ _source: Record<string, unknown> }> } }).hits.hits.map(
    (h) => h._source,
  );
}

describeNeeding(firstMissing(namespacesMissing(), toolsMissing('snmpd')))(
  'interface names polled over SNMP from an snmpd in a network namespace',
  () => {
    const es = testClient();
    let lab: NetnsLab;
    let exporterIp: string;
    let export0: number;
    let probe0: number;
    let export0Speed: number;
    let probe0Speed: number;
    let collector: ChildProcess | undefined;
    const poller = (): InterfacePollerOptions => ({
      agents: [],
      intervalMs: 60_000,
      timeoutMs: 1000,
      retries: 0,
      onTables: () => undefined,
      logger: { warn: () => undefined, info: () => undefined },
    });

    beforeAll(async () => {
      lab = await createNetnsLab();
      // The server namespace's end of its link to the host: the exporter's address as the collector sees it.
      exporterIp = lab.collectorIp.replace(/\.1$/, '.2');
      export0 = await ifIndexOf(lab, lab.server, 'export0');
      probe0 = await ifIndexOf(lab, lab.server, 'probe0');
      // veth links say 10000; read rather than assumed, so that a kernel that says otherwise is followed.
      export0Speed = await speedOf(lab, lab.server, 'export0');
      probe0Speed = await speedOf(lab, lab.server, 'probe0');
      const dir = mkdtempSync(join(tmpdir(), 'flowtrail-snmpd-'));
      mkdirSync(join(dir, 'persistent'));
      const conf = join(dir, 'snmpd.conf');
      writeFileSync(
        conf,
        [
          `agentAddress udp:${exporterIp}:161`,
          `rocommunity ${COMMUNITY} default`,
          `createUser ${V3.user} SHA "${V3.authKey}" AES "${V3.privKey}"`,
          `rouser ${V3.user} priv`,
          // Linux has no ifAlias of its own to serve: the agent is told what to answer.
          `override 1.3.6.1.2.1.31.1.1.1.18.${export0} octet_str "to the collector"`,
          `override 1.3.6.1.2.1.31.1.1.1.18.${probe0} octet_str "lab clients"`,
          '',
        ].join('\n'),
      );
      lab.spawn(lab.server, 'env', [
        'MIBS=',
        `SNMP_PERSISTENT_DIR=${join(dir, 'persistent')}`,
        '/usr/sbin/snmpd',
        '-f',
        '-Lo',
        '-C',
        '-c',
        conf,
        '-p',
        join(dir, 'snmpd.pid'),
      ]);
    }, 60_000);

    afterAll(async () => {
      collector?.kill('SIGKILL');
      await lab?.cleanup();
      await es.close();
    });

    it('reads ifName, ifAlias and ifHighSpeed over v2c', async () => {
      const agent = {
        exporter: exporterIp,
        host: exporterIp,
        port: 161,
        version: '2c' as const,
        community: COMMUNITY,
      };
      let table: Awaited<ReturnType<typeof readInterfaces>> | undefined;
      const deadline = Date.now() + 15_000;
      while (table === undefined && Date.now() < deadline) {
        table = await readInterfaces(agent, poller()).catch(() => undefined);
        if (table === undefined) await sleep(250);
      }
      expect(export0Speed).toBeGreaterThan(0);
      expect(table?.[String(export0)]).toEqual({
        name: 'export0',
        alias: 'to the collector',
        speed_mbps: export0Speed,
      });
      expect(table?.[String(probe0)]).toEqual({
        name: 'probe0',
        alias: 'lab clients',
        speed_mbps: probe0Speed,
      });
      await expect(readInterfaces({ ...agent, community: 'wrong' }, poller())).rejects.toThrow();
    });

    it('names the interfaces of the flows that exporter sends, with their speeds, polled over v3 by flowtrail collect', async () => {
      const { config, index, netflowPort } = await setUpCollector('snmp', {
        esUrl: inject('esUrl'),
        netflowHost: lab.collectorIp,
        extra: [
          'enrichment:',
          '  snmp:',
          '    interval: 2s',
          '    timeout: 1s',
          '    exporters:',
          `      - { address: ${exporterIp}, version: '3', user: ${V3.user}, level: authPriv, auth_protocol: sha, auth_key: ${V3.authKey}, priv_protocol: aes, priv_key: ${V3.privKey} }`,
        ],
      });
      collector = (await startCollector(config)).child;
      let found: Array<Record<string, unknown>> = [];
      const deadline = Date.now() + 30_000;
      for (let sequence = 0; found.length === 0 && Date.now() < deadline; sequence++) {
        const hex = flowMessage(sequence, export0, probe0).toString('hex');
        const send = `const s=require('node:dgram').createSocket('udp4');s.send(Buffer.from('${hex}','hex'),${netflowPort},'${lab.collectorIp}',()=>s.close())`;
        await lab.exec(lab.server, process.execPath, ['-e', send]);
        await sleep(1000);
        found = await namedFlows(es, index);
      }
      expect(found.length).toBeGreaterThan(0);
      expect(found[0].observer).toEqual({
        ip: exporterIp,
        ingress: { interface: { id: String(export0), name: 'export0', alias: 'to the collector' } },
        egress: { interface: { id: String(probe0), name: 'probe0', alias: 'lab clients' } },
      });
      expect(found[0].flowtrail).toMatchObject({
        ingress_interface: { speed_mbps: export0Speed },
        egress_interface: { speed_mbps: probe0Speed },
      });
      // Mapped as numbers, so that flows can be filtered and summed by the speed of their interfaces.
      const { body } = await es.search({
        index,
        size: 0,
        body: {
          query: { range: { 'flowtrail.ingress_interface.speed_mbps': { gte: export0Speed } } },
          aggs: { speed: { max: { field: 'flowtrail.egress_interface.speed_mbps' } } },
        },
      });
      const result = body as {
        hits: { total: { value: number } | number };
        aggregations: { speed: { value: number } };
      };
      const total = typeof result.hits.total === 'number' ? result.hits.total : result.hits.total.value;
      expect(total).toBeGreaterThan(0);
      expect(result.aggregations.speed.value).toBe(probe0Speed);
      collector.kill('SIGTERM');
      expect(await exited(collector)).toBe(0);
    });
  },
);
