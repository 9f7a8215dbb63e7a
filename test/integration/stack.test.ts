import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  nodeDataDir,
  restartElasticsearch,
  type StackState,
  stackDown,
  stackStatus,
  stackUp,
  startNode,
  stopNode,
} from '../../src/stack/index.js';
import { freshStackDir } from '../setup/stack.js';
import { clientFor, type TestClient } from '../support/es.js';

const esUrl = inject('esUrl');
const kafkaBootstrap = inject('kafkaBootstrap');
const es = clientFor(esUrl);

/** Pids of running processes whose command line mentions `needle` (our JVMs carry their data dir). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** Polls the cluster's health until it is `status` (short requests: a loaded machine slows recovery down). */
async function pollHealth(
  client: TestClient,
  status: string,
  timeoutMs: number,
): Promise<{ status: string; number_of_nodes: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await client.cluster.health();
    if (body.status === status || Date.now() > deadline) return body;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** OSS builds have no x-pack, and with it no data streams; a real 7.14+/8.x server behind FLOWTRAIL_ES_URL has. */
async function hasXpack(): Promise<boolean> {
  const res = await es.transport.request({ method: 'GET', path: '/_xpack' }, { ignore: [400, 404] });
  return res.statusCode === 200;
}

describe('test Elasticsearch', () => {
  it('answers the 7.17 Node client (product check passes)', async () => {
    const { body } = await es.info();
    expect(body.tagline).toBe('You Know, for Search');
    expect(body.version.number).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('reports a green or yellow cluster', async () => {
    const { body } = await es.cluster.health();
    expect(['green', 'yellow']).toContain(body.status);
  });

  it('indexes and searches a plain index', async () => {
    const index = `stack-test-plain-${Date.now()}`;
    const { body } = await es.bulk({
      refresh: true,
      body: [{ index: { _index: index } }, { '@timestamp': '2024-01-01T00:00:00Z', 'source.ip': '10.0.0.1' }],
    });
    expect(body.errors).toBe(false);
    const { body: count } = await es.count({ index });
    expect(count.count).toBe(1);
    await es.indices.delete({ index });
  });

  it('supports component + composable templates and rollover through a write alias', async () => {
    const name = `stack-test-tpl-${Date.now()}`;
    await es.cluster.putComponentTemplate({
      name: `${name}-base`,
      body: {
        template: { mappings: { properties: { '@timestamp': { type: 'date' }, ip: { type: 'ip' } } } },
      },
    });
    await es.indices.putIndexTemplate({
      name,
      body: {
        index_patterns: [`${name}-*`],
        composed_of: [`${name}-base`],
        priority: 500,
        template: { settings: { number_of_replicas: 0 } },
      },
    });
    await es.indices.create({
      index: `${name}-000001`,
      body: { aliases: { [name]: { is_write_index: true } } },
    });
    await es.bulk({
      index: name,
      refresh: true,
      body: [{ create: {} }, { '@timestamp': '2024-01-01T00:00:00Z', ip: '192.0.2.1' }],
    });
    const { body: rollover } = await es.indices.rollover({
      alias: name,
      body: { conditions: { max_docs: 1 } },
    });
    expect(rollover.rolled_over).toBe(true);
    const { body: mapping } = await es.indices.getMapping({ index: `${name}-000002` });
    expect(mapping[`${name}-000002`].mappings.properties.ip.type).toBe('ip');

    await es.indices.delete({ index: `${name}-*` });
    await es.indices.deleteIndexTemplate({ name });
    await es.cluster.deleteComponentTemplate({ name: `${name}-base` });
  });

  it('data streams exist exactly when x-pack does (not on the OSS 7.10.2 test node)', async () => {
    const xpack = await hasXpack();
    const name = `stack-test-ds-${Date.now()}`;
    const dataStream = `logs-${name}-default`;
    const template = await es.indices.putIndexTemplate(
      {
        name,
        body: {
          index_patterns: [`logs-${name}-*`],
          data_stream: {},
          priority: 500,
          template: { mappings: { properties: { '@timestamp': { type: 'date' } } } },
        },
      },
      { ignore: [400] },
    );
    const { body: bulk } = await es.bulk({
      index: dataStream,
      refresh: true,
      body: [{ create: {} }, { '@timestamp': '2024-01-01T00:00:00Z', message: 'x' }],
    });
    expect(bulk.errors).toBe(false);
    const streams = await es.transport.request(
      { method: 'GET', path: `/_data_stream/${dataStream}` },
      { ignore: [400, 404, 405] },
    );

    if (xpack) {
      expect(template.statusCode).toBe(200);
      expect(streams.statusCode).toBe(200);
      expect(bulk.items[0].create?._index).toMatch(/^\.ds-/);
      await es.transport.request({ method: 'DELETE', path: `/_data_stream/${dataStream}` });
    } else {
      // The OSS node rejects the template and has no _data_stream API; the bulk silently creates a plain index.
      expect(template.statusCode).toBe(400);
      expect(JSON.stringify(template.body)).toContain('unknown field [data_stream]');
      // No such endpoint: ES routes the path to its document APIs and answers 405.
      expect(streams.statusCode).toBe(405);
      expect(bulk.items[0].create?._index).toBe(dataStream);
      await es.indices.delete({ index: dataStream });
    }
    await es.indices.deleteIndexTemplate({ name }, { ignore: [404] });
  });
});

describe('a separate 3-node stack', () => {
  const HTTP_PORT = 19400;
  let dataDir: string;
  let state: StackState;
  let client: TestClient;

  beforeAll(async () => {
    dataDir = await freshStackDir('three-nodes');
    state = await stackUp({ dataDir, nodes: 3, esHttpPort: HTTP_PORT, esHeapMb: 768 });
    client = clientFor(state.elasticsearch.url);
  });

  afterAll(async () => {
    await stackDown(dataDir);
  });

  it('reports 3 nodes on consecutive ports', async () => {
    expect(state.elasticsearch.httpPorts).toEqual([HTTP_PORT, HTTP_PORT + 1, HTTP_PORT + 2]);
    const { body } = await client.cluster.health({ wait_for_nodes: '3', timeout: '30s' });
    expect(body.number_of_nodes).toBe(3);
    const { body: viaNode3 } = await clientFor(`http://127.0.0.1:${HTTP_PORT + 2}`).cluster.health();
    expect(viaNode3.cluster_name).toBe(body.cluster_name);
  });

  it('is idempotent: a second stackUp returns the running stack', async () => {
    const again = await stackUp({ dataDir, nodes: 3, esHttpPort: HTTP_PORT });
    expect(again.elasticsearch.pid).toBe(state.elasticsearch.pid);
    expect(again.startedAt).toBe(state.startedAt);
    expect((await stackStatus(dataDir)).elasticsearch).toBe('up');
    await expect(stackUp({ dataDir, nodes: 1, esHttpPort: HTTP_PORT })).rejects.toThrow(
      /already runs Elasticsearch with 3 node/,
    );
  });

  it('refuses to start on a taken port and names it', async () => {
    const otherDir = join(tmpdir(), `flowtrail-test-busy-${process.pid}`);
    await expect(stackUp({ dataDir: otherDir, esHttpPort: HTTP_PORT + 1 })).rejects.toThrow(
      `port ${HTTP_PORT + 1} (Elasticsearch node-1 HTTP) is already in use`,
    );
    let blocker: Server | undefined;
    try {
      blocker = await new Promise<Server>((res) => {
        const server = createServer().listen(19650, '127.0.0.1', () => res(server));
      });
      await expect(stackUp({ dataDir: otherDir, esHttpPort: 19550 })).rejects.toThrow(
        'port 19650 (Elasticsearch node-1 transport) is already in use',
      );
    } finally {
      blocker?.close();
    }
  });

  it('keeps acknowledged documents across a crash restart (SIGKILL)', async () => {
    const index = 'restart-survivor';
    await client.indices.create({
      index,
      body: { settings: { number_of_shards: 2, number_of_replicas: 1 } },
    });
    const docs = Array.from({ length: 500 }, (_, i) => [
      { index: { _index: index, _id: String(i) } },
      { n: i },
    ]);
    // No refresh and no flush: only the translog holds these when the JVM dies.
    const { body } = await client.bulk({ body: docs.flat() });
    expect(body.errors).toBe(false);

    const before = state.elasticsearch.pid;
    await restartElasticsearch(dataDir, { downtimeMs: 500 });
    const status = await stackStatus(dataDir);
    expect(status.elasticsearch).toBe('up');
    expect(status.state?.elasticsearch.pid).not.toBe(before);
    expect(status.state?.elasticsearch.httpPorts).toEqual(state.elasticsearch.httpPorts);
    state = status.state!;

    await client.cluster.health({ index, wait_for_status: 'yellow', timeout: '60s' });
    await client.indices.refresh({ index });
    const { body: count } = await client.count({ index });
    expect(count.count).toBe(500);
  });

  it("survives the loss of one node's data directory: green again with every document", async () => {
    const index = 'disk-loss';
    // As flowtrail's settings template sets it: a replica as soon as there are two nodes.
    await client.indices.create({
      index,
      body: { settings: { number_of_shards: 3, 'index.auto_expand_replicas': '0-1' } },
    });
    const ids = Array.from({ length: 2000 }, (_, i) => `doc-${i}`);
    const { body } = await client.bulk({
      refresh: true,
      body: ids.flatMap((id, i) => [{ index: { _index: index, _id: id } }, { n: i }]),
    });
    expect(body.errors).toBe(false);
    await client.cluster.health({ index, wait_for_status: 'green', timeout: '60s' });
    const idsDigest = async (): Promise<{ count: number; sha256: string }> => {
      const { body: found } = await client.search({
        index,
        body: { size: 10_000, _source: false, sort: [{ _id: 'asc' }] },
      });
      const hits = (found.hits.hits as Array<{ _id: string }>).map((h) => h._id).sort();
      return { count: hits.length, sha256: createHash('sha256').update(hits.join('\n')).digest('hex') };
    };
    const before = await idsDigest();
    expect(before.count).toBe(2000);

    // node-3 holds a copy of some shards; its disk "dies" while it is down.
    const otherPids = state.elasticsearch.nodePids.slice(0, 2);
    await stopNode(dataDir, 3);
    const dataPath = await nodeDataDir(dataDir, 3);
    expect(existsSync(dataPath)).toBe(true);
    rmSync(dataPath, { recursive: true, force: true });
    await client.cluster.health({ wait_for_nodes: '2', timeout: '30s' });
    expect((await stackStatus(dataDir)).elasticsearch).toBe('unhealthy');
    expect(otherPids.every((pid) => processesMentioning(join(dataDir, 'stack')).includes(pid))).toBe(true);

    state = await startNode(dataDir, 3);
    expect(state.elasticsearch.nodePids.slice(0, 2)).toEqual(otherPids);
    // Replicas wait a minute for a node that left (index.unassigned.node_left.delayed_timeout), then are copied.
    const health = await pollHealth(client, 'green', 180_000);
    expect(health.status).toBe('green');
    expect(health.number_of_nodes).toBe(3);
    expect(await idsDigest()).toEqual(before);
    // The node that lost its disk holds copies again: the replicas were rebuilt on it.
    const { body: shards } = await client.transport.request({
      method: 'GET',
      path: `/_cat/shards/${index}?format=json`,
    });
    expect((shards as Array<{ node: string }>).some((s) => s.node === 'node-3')).toBe(true);
    await client.indices.delete({ index });
  });

  it('stackDown leaves no process of the stack behind', async () => {
    const pid = state.elasticsearch.pid;
    expect(processesMentioning(join(dataDir, 'stack'))).toContain(pid);
    expect(state.elasticsearch.nodePids).toHaveLength(3);
    for (const nodePid of state.elasticsearch.nodePids)
      expect(processesMentioning(join(dataDir, 'stack'))).toContain(nodePid);
    const { stopped } = await stackDown(dataDir);
    expect(stopped).toEqual(['elasticsearch']);
    expect(processesMentioning(join(dataDir, 'stack'))).toEqual([]);
    for (const nodePid of state.elasticsearch.nodePids) expect(() => process.kill(-nodePid, 0)).toThrow();
    expect(await stackStatus(dataDir)).toEqual({ elasticsearch: 'down', kafka: 'absent' });
  });
});

describe.runIf(kafkaBootstrap)('test Kafka', () => {
  it('round-trips a message with kafkajs', async () => {
    const kafka = new Kafka({
      brokers: [kafkaBootstrap!],
      clientId: 'stack-test',
      logLevel: logLevel.NOTHING,
    });
    const topic = `stack-test-${Date.now()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'hello flowtrail' }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `${topic}-group` });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error('no message within 30 s')), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          res(message.value?.toString() ?? '');
        },
      });
    });
    await consumer.disconnect();
    expect(received).toBe('hello flowtrail');
  });
});
