import { createClient, type EsClient, type Method } from '../../plugins/elasticsearch/client.js';

type Params = Record<string, unknown>;
type Call = (params?: Params, options?: { ignore?: number[] }) => Promise<{ body: any; statusCode: number }>;

function segment(value: unknown): string {
  return (Array.isArray(value) ? value : String(value).split(','))
    .map((part) => encodeURIComponent(String(part)))
    .join(',');
}

/**
 * A request of the shape tests write (`{ index, name, body, ...query }`) over flowtrail's own client, so that
 * tests check the server with the very client that wrote to it, against every engine.
 */
function call(client: EsClient, method: Method, path: (p: Params) => string, ndjson = false): Call {
  return async (params = {}, options = {}) => {
    const { body, index: _index, name: _name, alias: _alias, ...rest } = params;
    const query = Object.fromEntries(
      Object.entries(rest).map(([k, v]) => [
        k,
        Array.isArray(v) ? v.join(',') : (v as string | number | boolean),
      ]),
    );
    const response = await client.request({
      method,
      path: path(params),
      query,
      ...(body === undefined ? {} : ndjson ? { ndjson: body as Params[] } : { body }),
      ignore: options.ignore,
    });
    return { body: response.body as any, statusCode: response.status };
  };
}

const on = (p: Params, what: string) => (p.index === undefined ? '' : `/${segment(p.index)}`) + what;

/** flowtrail's client with the few document and index calls tests make. */
export function clientFor(url: string, requestTimeoutMs = 30_000) {
  const client = createClient({ url, requestTimeoutMs });
  return Object.assign(client, {
    info: call(client, 'GET', () => '/'),
    search: call(client, 'POST', (p) => on(p, '/_search')),
    count: call(client, 'POST', (p) => on(p, '/_count')),
    bulk: call(client, 'POST', (p) => on(p, '/_bulk'), true),
    transport: {
      request: (r: { method: Method; path: string; body?: unknown }, o: { ignore?: number[] } = {}) =>
        call(client, r.method, () => r.path)({ body: r.body }, o),
    },
    indices: {
      refresh: call(client, 'POST', (p) => on(p, '/_refresh')),
      create: call(client, 'PUT', (p) => on(p, '')),
      delete: call(client, 'DELETE', (p) => on(p, '')),
      forcemerge: call(client, 'POST', (p) => on(p, '/_forcemerge')),
      clearCache: call(client, 'POST', (p) => on(p, '/_cache/clear')),
      getMapping: call(client, 'GET', (p) => on(p, '/_mapping')),
      putSettings: call(client, 'PUT', (p) => on(p, '/_settings')),
      rollover: call(client, 'POST', (p) => `/${segment(p.alias)}/_rollover`),
      putIndexTemplate: call(client, 'PUT', (p) => `/_index_template/${segment(p.name)}`),
      deleteIndexTemplate: call(client, 'DELETE', (p) => `/_index_template/${segment(p.name)}`),
    },
    ingest: {
      simulate: call(client, 'POST', () => '/_ingest/pipeline/_simulate'),
    },
    cluster: {
      health: call(
        client,
        'GET',
        (p) => `/_cluster/health${p.index === undefined ? '' : `/${segment(p.index)}`}`,
      ),
      putComponentTemplate: call(client, 'PUT', (p) => `/_component_template/${segment(p.name)}`),
      deleteComponentTemplate: call(client, 'DELETE', (p) => `/_component_template/${segment(p.name)}`),
    },
  });
}

export type TestClient = ReturnType<typeof clientFor>;
