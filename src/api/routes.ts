import type { FlowtrailConfig } from '../config/schema.js';
import { type CorrelationSettings, findAlert } from '../correlate/correlator.js';
import { investigate } from '../correlate/investigate.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { PacketStoreReader } from '../packets/extract.js';
import { packetReference, sessionPackets } from '../packets/request.js';
import { PCAP_KINDS, type PcapKind } from '../packets/resolve.js';
import { listAlerts, MAX_ALERTS } from '../reports/alerts.js';
import { hostBilling } from '../reports/billing.js';
import { hostLog } from '../reports/host.js';
import { ONE_VIEW } from '../reports/observers.js';
import { address, integerIn, parseObserverView, QUERY_NAMES } from '../reports/params.js';
import { REPORTS, reportNamed } from '../reports/registry.js';
import { parseReportOptions, runReport } from '../reports/run.js';
import { FLOW_COLUMNS, type FlowFilter, searchFlows } from '../reports/search.js';
import { parseSearch } from '../reports/search-params.js';
import { toCsv } from '../reports/table.js';
import { parseRange, type TimeRange } from '../reports/time.js';
import { trafficOverTime } from '../reports/traffic.js';
import type { StoreClient } from '../store/client.js';
import { VERSION } from '../util/package.js';
import { type FlowStream, flowStream } from './flow-stream.js';
import { liveStream } from './live.js';
import { FileBody, type Route, type RouteParameter } from './server.js';

function param(query: URLSearchParams, name: string): string | undefined {
  return query.get(name) ?? undefined;
}

const OBSERVER: RouteParameter = {
  name: 'observer',
  in: 'query',
  description: "only this observer's records (default: the busiest observer of each figure)",
};

const RANGE: RouteParameter[] = [
  { name: 'from', in: 'query', description: 'start: ISO 8601, epoch ms or -1h (default: an hour ago)' },
  { name: 'to', in: 'query', description: 'end, likewise (default: now)' },
];

function rangeOf(query: URLSearchParams): TimeRange {
  return parseRange(param(query, 'from'), param(query, 'to'), Date.now(), QUERY_NAMES);
}

const SEARCH: RouteParameter[] = [
  ...RANGE,
  { name: 'ip', in: 'query', description: 'an address or CIDR on either side' },
  { name: 'local_port', in: 'query', description: 'port on the side inside local_networks' },
  { name: 'remote_port', in: 'query', description: 'port on the side outside local_networks' },
  { name: 'protocol', in: 'query', description: 'tcp, udp, icmp… or a protocol number' },
  { name: 'min_bytes', in: 'query', description: 'at least this many bytes' },
  { name: 'max_bytes', in: 'query', description: 'at most this many bytes' },
  {
    name: 'first_talker',
    in: 'query',
    description: 'only conversations this address or network opened',
  },
  OBSERVER,
  { name: 'limit', in: 'query', description: 'at most this many flows (default 100)' },
];

function searchFilter(query: URLSearchParams): FlowFilter {
  const get = (name: string) => param(query, name);
  return parseSearch(
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
      observer: get('observer'),
      limit: get('limit'),
    },
    Date.now(),
    QUERY_NAMES,
  );
}

function pcapKind(kind: string): PcapKind {
  const known = PCAP_KINDS.find((k) => k === kind);
  if (known === undefined)
    throw new UsageError(`kind: expected one of ${PCAP_KINDS.join(', ')}, got ${kind}`);
  return known;
}

/**
 * The API's routes over one namespace; each returns what the CLI command of the same name prints with --json.
 * `packets`: the packet store's ring, read by /api/pcap.
 */
export function apiRoutes(
  client: StoreClient,
  config: FlowtrailConfig,
  settings: CorrelationSettings,
  /** The collector's flows, where it runs in the same process (`up`): `/api/flows/stream` is offered then. */
  flows?: FlowStream,
  /** Where `GET /api/pcap/...` reads packets from; absent without a packet store. */
  packets?: PacketStoreReader,
): Route[] {
  const routes: Route[] = [
    {
      path: '/api/alerts/{id}/context',
      description:
        'one alert, correlated now: its flows, both endpoints before and after, peers, where its packets are (correlate <id>)',
      parameters: [{ name: 'id', in: 'path', description: 'document id of the alert' }],
      pattern: /^\/api\/alerts\/([^/]+)\/context$/,
      handler: async ([id]) => {
        const alert = await findAlert(client, settings.indices, id);
        if (alert === undefined) return undefined;
        const view = await investigate(client, alert, settings);
        const kept = packets === undefined ? undefined : await packetReference(client, settings, packets, id);
        return kept === undefined ? view : { ...view, packets: kept };
      },
    },
    {
      path: '/api/pcap/{kind}/{id}',
      description:
        "one session's packets out of the packet store, as a pcap file (pcap <id>); 404 says why when they are not there",
      parameters: [
        { name: 'kind', in: 'path', description: PCAP_KINDS.join(', ') },
        { name: 'id', in: 'path', description: 'alert or flow document id, or Community ID' },
      ],
      pattern: /^\/api\/pcap\/([^/]+)\/([^/]+)$/,
      handler: async ([kind, id]) => {
        if (packets === undefined) throw new NotFoundError('this server reads no packet store');
        const result = await sessionPackets(client, settings, packets, pcapKind(kind), id);
        if (!result.found) throw new NotFoundError(result.message);
        return new FileBody(
          'application/vnd.tcpdump.pcap',
          result.pcap,
          `flowtrail-${kind}-${id.replace(/[^A-Za-z0-9._-]/g, '_')}.pcap`,
        );
      },
    },
    {
      path: '/api/hosts/{ip}',
      description: "one address's log: whom it talked to, services it used, who accessed it (host <ip>)",
      parameters: [{ name: 'ip', in: 'path', description: 'IPv4 or IPv6 address' }, ...RANGE, OBSERVER],
      pattern: /^\/api\/hosts\/([^/]+)$/,
      handler: async ([ip], query) =>
        hostLog(
          client,
          settings.indices.flows,
          address(ip, 'ip'),
          rangeOf(query),
          parseObserverView({ observer: param(query, 'observer') }, QUERY_NAMES),
        ),
    },
    {
      path: '/api/flows',
      description: 'flow records matching filters, oldest first (search)',
      parameters: SEARCH,
      pattern: /^\/api\/flows$/,
      handler: async (_, query) => searchFlows(client, settings.indices.flows, searchFilter(query)),
    },
    {
      path: '/api/flows.csv',
      description: 'the same flows as CSV, one record a line, to save',
      parameters: SEARCH,
      pattern: /^\/api\/flows\.csv$/,
      handler: async (_, query) => {
        const result = await searchFlows(client, settings.indices.flows, searchFilter(query));
        return new FileBody('text/csv; charset=utf-8', `${toCsv(result.flows, FLOW_COLUMNS)}\n`, 'flows.csv');
      },
    },
    {
      path: '/api/traffic',
      description: 'bytes, packets and flows over the range by direction, about 60 periods',
      parameters: [...RANGE, OBSERVER],
      pattern: /^\/api\/traffic$/,
      handler: async (_, query) =>
        trafficOverTime(
          client,
          settings.indices.flows,
          rangeOf(query),
          parseObserverView({ observer: param(query, 'observer') }, QUERY_NAMES),
        ),
    },
    {
      path: '/api/alerts',
      description: "the range's IDS alerts and flowtrail detections, newest first",
      parameters: [
        ...RANGE,
        { name: 'ip', in: 'query', description: 'only alerts naming this address' },
        {
          name: 'limit',
          in: 'query',
          description: `at most this many alerts (default 100, up to ${MAX_ALERTS})`,
        },
      ],
      pattern: /^\/api\/alerts$/,
      handler: async (_, query) => {
        const ip = param(query, 'ip');
        const limit = param(query, 'limit');
        return listAlerts(client, settings.indices.alerts, {
          range: rangeOf(query),
          ip: ip === undefined ? undefined : address(ip, 'ip'),
          limit: limit === undefined ? 100 : integerIn(limit, 'limit', 1, MAX_ALERTS),
        });
      },
    },
    {
      path: '/api/hosts/{ip}/billing',
      description: "one local address's rows of the billing report",
      parameters: [
        { name: 'ip', in: 'path', description: 'IPv4 or IPv6 address' },
        ...RANGE,
        { name: 'interval', in: 'query', description: 'billing period: hour, day, week, month' },
        OBSERVER,
      ],
      pattern: /^\/api\/hosts\/([^/]+)\/billing$/,
      handler: async ([ip], query) => {
        const options = parseReportOptions(
          { interval: param(query, 'interval'), observer: param(query, 'observer') },
          QUERY_NAMES,
        );
        return {
          rows: await hostBilling(
            {
              client,
              flows: settings.indices.flows,
              range: rangeOf(query),
              interval: options.interval,
              observers: options.observers ?? ONE_VIEW,
            },
            address(ip, 'ip'),
          ),
        };
      },
    },
    ...(flows === undefined
      ? []
      : [
          {
            path: '/api/flows/stream',
            description:
              'server-sent events: the flow documents the collector writes, the newest kept first (watch --from)',
            pattern: /^\/api\/flows\/stream$/,
            stream: flowStream(flows),
          },
        ]),
    {
      path: '/api/live',
      description: 'server-sent events: flows and alerts as the store receives them, rates per transport',
      pattern: /^\/api\/live$/,
      stream: liveStream(client, settings.indices),
    },
    {
      path: '/api/reports/{name}',
      description: 'a traffic report over a time range (report <name>)',
      parameters: [
        { name: 'name', in: 'path', description: REPORTS.map((r) => r.name).join(', ') },
        ...RANGE,
        { name: 'limit', in: 'query', description: 'rows of ranked reports (default 20)' },
        { name: 'interval', in: 'query', description: 'billing period: hour, day, week, month' },
        OBSERVER,
        { name: 'by_observer', in: 'query', description: 'true: a row per observer, side by side' },
      ],
      pattern: /^\/api\/reports\/([^/]+)$/,
      handler: async ([name], query) => {
        reportNamed(name);
        return runReport(
          client,
          config,
          name,
          parseRange(param(query, 'from'), param(query, 'to'), Date.now(), QUERY_NAMES),
          parseReportOptions(
            {
              limit: param(query, 'limit'),
              interval: param(query, 'interval'),
              observer: param(query, 'observer'),
              byObserver: param(query, 'by_observer'),
            },
            QUERY_NAMES,
          ),
        );
      },
    },
  ];
  return [...routes, ...indexRoutes(routes)];
}

/** What the API offers, read off the routes themselves so that it cannot fall behind them. */
export function apiIndex(routes: readonly Route[]): Record<string, unknown> {
  return {
    name: 'flowtrail',
    version: VERSION,
    routes: routes
      .filter((r) => r.path !== undefined)
      .map((r) => ({
        method: 'GET',
        path: r.path,
        description: r.description,
        parameters: r.parameters ?? [],
      })),
  };
}

/**
 * The index at `/api`; `/` answers it too where the console was not built (its page is served there otherwise).
 * Every answer is JSON with snake_case keys, ISO 8601 UTC times, arrays for lists; errors are `{"error": …}`.
 */
export function indexRoutes(routes: readonly Route[]): Route[] {
  const index = apiIndex(routes);
  return [
    {
      path: '/api',
      description: 'this index: the routes and their parameters',
      pattern: /^\/api\/?$/,
      handler: async () => index,
    },
    { pattern: /^\/$/, handler: async () => index },
  ];
}
