import type { FlowtrailConfig } from '../config/schema.js';
import { type CorrelationSettings, findAlert } from '../correlate/correlator.js';
import { investigate } from '../correlate/investigate.js';
import { hostLog } from '../reports/host.js';
import { address, QUERY_NAMES } from '../reports/params.js';
import { reportNamed } from '../reports/registry.js';
import { parseReportOptions, runReport } from '../reports/run.js';
import { searchFlows } from '../reports/search.js';
import { parseSearch } from '../reports/search-params.js';
import { parseRange } from '../reports/time.js';
import type { StoreClient } from '../store/client.js';
import type { Route } from './server.js';

function param(query: URLSearchParams, name: string): string | undefined {
  return query.get(name) ?? undefined;
}

/** The API's routes over one namespace; each returns what the CLI command of the same name prints with --json. */
export function apiRoutes(
  client: StoreClient,
  config: FlowtrailConfig,
  settings: CorrelationSettings,
): Route[] {
  return [
    {
      pattern: /^\/api\/alerts\/([^/]+)\/context$/,
      handler: async ([id]) => {
        const alert = await findAlert(client, settings.indices, id);
        return alert ? investigate(client, alert, settings) : undefined;
      },
    },
    {
      pattern: /^\/api\/hosts\/([^/]+)$/,
      handler: async ([ip], query) =>
        hostLog(
          client,
          settings.indices.flows,
          address(ip, 'ip'),
          parseRange(param(query, 'from'), param(query, 'to'), Date.now(), QUERY_NAMES),
        ),
    },
    {
      pattern: /^\/api\/flows$/,
      handler: async (_, query) => {
        const get = (name: string) => param(query, name);
        const filter = parseSearch(
          {
            from: get('from'),
            to: get('to'),
            ip: get('ip'),
            localPort: get('local_port'),
            remotePort: get('remote_port'),
            protocol: get('protocol'),
            minBytes: get('min_bytes'),
            maxBytes: get('max_bytes'),
            firstTalker: get('first_talker'),
            limit: get('limit'),
          },
          Date.now(),
          QUERY_NAMES,
        );
        return searchFlows(client, settings.indices.flows, filter);
      },
    },
    {
      pattern: /^\/api\/reports\/([^/]+)$/,
      handler: async ([name], query) => {
        reportNamed(name);
        return runReport(
          client,
          config,
          name,
          parseRange(param(query, 'from'), param(query, 'to'), Date.now(), QUERY_NAMES),
          parseReportOptions(
            { limit: param(query, 'limit'), interval: param(query, 'interval') },
            QUERY_NAMES,
          ),
        );
      },
    },
  ];
}
