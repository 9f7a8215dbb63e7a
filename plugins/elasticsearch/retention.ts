import type { Client } from '@elastic/elasticsearch';
import { DATA_STREAMS, type RetentionKind } from '../../src/schema/fields.js';
import { dailyIndexDay } from '../../src/store/naming.js';

const DAY_MS = 86_400_000;

function retentionKindOf(index: string): RetentionKind {
  const stream = DATA_STREAMS.find((s) => index.startsWith(`logs-${s.dataset}-`));
  return stream?.retention ?? 'events';
}

/**
 * Daily indices whose whole day is older than the retention of their kind. A day is kept until its last
 * millisecond has expired, so retention never cuts into data younger than promised.
 */
export function expiredDailyIndices(
  indices: readonly string[],
  now: number,
  retentionMs: Record<RetentionKind, number>,
): string[] {
  return indices.filter((index) => {
    const day = dailyIndexDay(index);
    return day !== undefined && day + DAY_MS + retentionMs[retentionKindOf(index)] <= now;
  });
}

/** For clusters without lifecycle or ILM: deletes flowtrail's expired daily indices; returns what it deleted. */
export async function enforceRetention(
  client: Client,
  retentionMs: Record<RetentionKind, number>,
  now = Date.now(),
): Promise<string[]> {
  const { body } = await client.cat.indices({ index: 'logs-flowtrail.*', format: 'json', h: 'index' });
  const names = (body as Array<{ index: string }>).map((row) => row.index);
  const expired = expiredDailyIndices(names, now, retentionMs);
  for (let i = 0; i < expired.length; i += 50) {
    await client.indices.delete({ index: expired.slice(i, i + 50).join(',') });
  }
  return expired;
}
