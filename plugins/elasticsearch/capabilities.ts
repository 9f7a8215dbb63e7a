import type { Client } from '@elastic/elasticsearch';
import type { IndexMode } from '../../src/store/naming.js';
import type { RetentionMode } from './templates.js';

export interface ClusterCapabilities {
  version: string;
  distribution: string;
  indexMode: IndexMode;
  retentionMode: RetentionMode;
}

function atLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

async function answers(client: Client, path: string): Promise<boolean> {
  try {
    await client.transport.request({ method: 'GET', path });
    return true;
  } catch {
    return false;
  }
}

/**
 * What the cluster offers: data streams (else daily indices), and for retention data stream lifecycle (8.11+),
 * else ILM (x-pack), else nothing, in which case flowtrail deletes expired daily indices itself.
 */
export async function detectCapabilities(client: Client): Promise<ClusterCapabilities> {
  const info = (await client.info()).body as {
    version: { number: string; distribution?: string; build_flavor?: string };
  };
  const version = info.version.number;
  const distribution = info.version.distribution ?? 'elasticsearch';
  if (!(await answers(client, '/_data_stream'))) {
    return { version, distribution, indexMode: 'daily', retentionMode: 'flowtrail' };
  }
  if (atLeast(version, 8, 11))
    return { version, distribution, indexMode: 'data_stream', retentionMode: 'lifecycle' };
  const ilm = await answers(client, '/_ilm/status');
  return { version, distribution, indexMode: 'data_stream', retentionMode: ilm ? 'ilm' : 'flowtrail' };
}
