import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { UsageError } from '../errors.js';
import { authorized } from './auth.js';

/** A handler gets the path's parameters and the query string and returns the JSON body, or undefined for 404. */
export type Handler = (params: string[], query: URLSearchParams) => Promise<unknown>;

export interface Route {
  pattern: RegExp;
  handler: Handler;
}

export interface ApiServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

function send(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

/** GET-only JSON API: bearer token (when there is one) on every request, then the first route that matches. */
export async function startApiServer(
  routes: readonly Route[],
  options: { host: string; port: number; token: string | undefined; logger: Logger },
): Promise<ApiServer> {
  const server = createServer((req, res) => {
    if (!authorized(req.headers.authorization, options.token)) {
      res.setHeader('www-authenticate', 'Bearer');
      send(res, 401, { error: 'a bearer token is required' });
      return;
    }
    if (req.method !== 'GET') return send(res, 405, { error: 'only GET is supported' });
    const url = new URL(req.url ?? '/', 'http://api');
    for (const route of routes) {
      const match = url.pathname.match(route.pattern);
      if (!match) continue;
      const params = match.slice(1).map(decodeURIComponent);
      route.handler(params, url.searchParams).then(
        (body) => (body === undefined ? send(res, 404, { error: 'not found' }) : send(res, 200, body)),
        (err: Error) => {
          if (err instanceof UsageError) return send(res, 400, { error: err.message });
          options.logger.error({ err, path: url.pathname }, 'api request failed');
          send(res, 500, { error: err.message });
        },
      );
      return;
    }
    send(res, 404, { error: `no route for ${url.pathname}` });
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
