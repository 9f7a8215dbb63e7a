import type { StoreClient } from '../../src/store/client.js';

/**
 * The integration's equivalents of the flow fields flowtrail's queries name: its documents have no client/server
 * (the source is the nearest), and the exporter's `ip:port` is `netflow.exporter.address`. Fields with no
 * equivalent (flowtrail.initiator, flowtrail.tcp_flags) are left as they are: absent, they match nothing.
 */
const INTEGRATION_FIELDS: Record<string, string> = {
  'client.ip': 'source.ip',
  'client.port': 'source.port',
  'server.ip': 'destination.ip',
  'server.port': 'destination.port',
  'flowtrail.observer': 'netflow.exporter.address',
};

function renamed(body: Record<string, unknown>): Record<string, unknown> {
  let text = JSON.stringify(body);
  for (const [from, to] of Object.entries(INTEGRATION_FIELDS)) text = text.split(`"${from}"`).join(`"${to}"`);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * The store as seen by flowtrail's report and correlation code asking the integration's index: the same searches,
 * over `integrationIndex` instead of flowtrail's flows, with the integration's field names.
 */
export function asIntegration(
  inner: StoreClient,
  flowsPattern: string,
  integrationIndex: string,
): StoreClient {
  const index = (name: string) => name.split(flowsPattern).join(integrationIndex);
  return {
    search: (name, body, options) => inner.search(index(name), renamed(body), options),
    scroll: (id, keepAlive) => inner.scroll(id, keepAlive),
    clearScroll: (id) => inner.clearScroll(id),
    msearch: (requests) =>
      inner.msearch(requests.map((r) => ({ index: index(r.index), body: renamed(r.body) }))),
    update: (name, id, doc) => inner.update(index(name), id, doc),
    refresh: (name) => inner.refresh(index(name)),
    close: () => inner.close(),
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
