import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { StoreError, UsageError } from '../errors.js';
import { authorized, isLoopback, namesThisMachine, sameOrigin } from './auth.js';

/** A handler gets the path's parameters and the query string and returns the JSON body, or undefined for 404. */
export type Handler = (params: string[], query: URLSearchParams) => Promise<unknown>;

export interface RouteParameter {
  name: string;
  in: 'path' | 'query';
  description: string;
}

export interface Route {
  pattern: RegExp;
  handler: Handler;
  /** How the API index shows the route (`/api/hosts/{ip}`); routes without it are not listed. */
  path?: string;
  description?: string;
  parameters?: RouteParameter[];
}

export interface ApiServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

/** The path's parameters, decoded; undefined when one is not valid percent-encoded UTF-8. */
function decodeParams(match: RegExpMatchArray): string[] | undefined {
  try {
    return match.slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/**
 * A request the API refuses before any route sees it, with the status and message to answer: a `Host` that is
 * not this machine on a loopback listener, a page of another site, a missing or wrong token, a method other
 * than GET.
 */
function refusal(
  req: IncomingMessage,
  loopback: boolean,
  token: string | undefined,
): [number, string] | undefined {
  if (loopback && !namesThisMachine(req.headers.host))
    return [403, 'this API answers requests for localhost only'];
  if (!sameOrigin({ host: req.headers.host, origin: req.headers.origin }))
    return [403, 'requests from other sites are not allowed'];
  if (!authorized(req.headers.authorization, token)) return [401, 'a bearer token is required'];
  if (req.method !== 'GET') return [405, 'only GET is supported'];
  return undefined;
}

/**
 * A handler's failure as the caller sees it: bad input is the caller's to fix and says why (400); anything else
 * is ours or the cluster's, answered with an id that is logged with the cause, which the answer does not carry.
 */
function failure(err: Error, path: string, logger: Logger): [number, unknown] {
  if (err instanceof UsageError) return [400, { error: err.message }];
  const id = randomUUID();
  logger.error({ err, path, id }, 'api request failed');
  return err instanceof StoreError
    ? [502, { error: 'Elasticsearch could not answer the request', id }]
    : [500, { error: 'the request failed', id }];
}

/** GET-only JSON API: who may ask is checked on every request, then the first route that matches answers. */
export async function startApiServer(
  routes: readonly Route[],
  options: { host: string; port: number; token: string | undefined; logger: Logger },
): Promise<ApiServer> {
  const loopback = isLoopback(options.host);
  const server = createServer((req, res) => {
    const refused = refusal(req, loopback, options.token);
    if (refused) {
      if (refused[0] === 401) res.setHeader('www-authenticate', 'Bearer');
      return send(res, refused[0], { error: refused[1] });
    }
    const url = new URL(req.url ?? '/', 'http://api');
    for (const route of routes) {
      const match = url.pathname.match(route.pattern);
      if (!match) continue;
      const params = decodeParams(match);
      if (params === undefined)
        return send(res, 400, { error: 'the path is not valid percent-encoded UTF-8' });
      route.handler(params, url.searchParams).then(
        (body) => (body === undefined ? send(res, 404, { error: 'not found' }) : send(res, 200, body)),
        (err: Error) => send(res, ...failure(err, url.pathname, options.logger)),
      );
      return;
    }
    send(res, 404, { error: `no route for ${url.pathname}; GET /api lists the routes` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
