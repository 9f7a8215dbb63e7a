import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { NotFoundError, StoreError, UsageError } from '../errors.js';
import type { Asset } from './assets.js';
import { authorized, isLoopback, namesThisMachine, sameOrigin, tokenMatches } from './auth.js';
import { NO_STORE, REVALIDATE, SECURITY_HEADERS } from './headers.js';
import { localPath, loginPage } from './login.js';
import { issueSession, sessionCookie, sessionOf, validSession } from './session.js';

/** A handler gets the path's parameters and the query string and returns the JSON body, or undefined for 404. */
export type Handler = (params: string[], query: URLSearchParams) => Promise<unknown>;

/** An answer that is not JSON (a CSV export, a pcap), saved under `filename` by a browser. */
export class FileBody {
  constructor(
    readonly type: string,
    readonly text: string | Buffer,
    readonly filename: string,
  ) {}
}

/**
 * A route that keeps its answer open (server-sent events): it writes to `res` itself until `closed` aborts, when
 * the client went away or the server stops.
 */
export type Streamer = (stream: {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  closed: AbortSignal;
  logger: Logger;
}) => void;

export interface RouteParameter {
  name: string;
  in: 'path' | 'query';
  description: string;
}

export type Route = {
  pattern: RegExp;
  /** How the API index shows the route (`/api/hosts/{ip}`); routes without it are not listed. */
  path?: string;
  description?: string;
  parameters?: RouteParameter[];
} & ({ handler: Handler } | { stream: Streamer });

export interface ApiServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** The console's pages: one document whose script draws the page the path names. */
const PAGE = /^\/(?:hosts\/[^/]+|alerts\/[^/]+|search|live)?$/;
/** A login form's body is a token and a path: anything longer is not one. */
const MAX_FORM_BYTES = 4096;

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...NO_STORE, 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

function sendFile(res: ServerResponse, body: FileBody): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    ...NO_STORE,
    'content-type': body.type,
    'content-disposition': `attachment; filename="${body.filename}"`,
  });
  res.end(body.text);
}

function sendHtml(res: ServerResponse, status: number, html: string | Buffer): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...NO_STORE, 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(303, { ...SECURITY_HEADERS, ...NO_STORE, location, ...headers });
  res.end();
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
 * A request refused whoever sent it, with the status and message to answer: a `Host` that is not this machine on
 * a loopback listener, a page of another site.
 */
function refusal(req: IncomingMessage, loopback: boolean): [number, string] | undefined {
  if (loopback && !namesThisMachine(req.headers.host))
    return [403, 'this API answers requests for localhost only'];
  if (!sameOrigin({ host: req.headers.host, origin: req.headers.origin }))
    return [403, 'requests from other sites are not allowed'];
  return undefined;
}

/** The API's bearer token, or the session cookie the login form gave for it. */
function signedIn(req: IncomingMessage, token: string | undefined): boolean {
  if (authorized(req.headers.authorization, token)) return true;
  return token !== undefined && validSession(sessionOf(req.headers.cookie), token, Date.now());
}

function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_FORM_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(
        size > MAX_FORM_BYTES ? undefined : new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
      ),
    );
    req.on('error', reject);
  });
}

/** `/login`: the form (GET), or a try with a token (POST) that gives a session cookie when the token is right. */
async function login(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  token: string | undefined,
): Promise<void> {
  if (token === undefined) return redirect(res, localPath(url.searchParams.get('next')));
  if (req.method === 'GET') return sendHtml(res, 200, loginPage(url.searchParams.get('next') ?? '/'));
  if (req.method !== 'POST') return send(res, 405, { error: 'GET or POST only' });
  const form = await readForm(req);
  const next = localPath(form?.get('next'));
  const given = form?.get('token');
  if (!given || !tokenMatches(given, token))
    return sendHtml(res, 401, loginPage(next, 'That is not the API token.'));
  redirect(res, next, { 'set-cookie': sessionCookie(issueSession(token, Date.now())) });
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset | undefined): void {
  if (asset === undefined) {
    send(res, 404, { error: 'no such file' });
    return;
  }
  const headers = { ...SECURITY_HEADERS, ...REVALIDATE, etag: asset.etag };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': asset.type });
  res.end(asset.body);
}

/**
 * A handler's failure as the caller sees it: bad input is the caller's to fix and says why (400); anything else
 * is ours or the cluster's, answered with an id that is logged with the cause, which the answer does not carry.
 */
function failure(err: Error, path: string, logger: Logger): [number, unknown] {
  if (err instanceof UsageError) return [400, { error: err.message }];
  if (err instanceof NotFoundError) return [404, { error: err.message }];
  const id = randomUUID();
  logger.error({ err, path, id }, 'api request failed');
  return err instanceof StoreError
    ? [502, { error: 'Elasticsearch could not answer the request', id }]
    : [500, { error: 'the request failed', id }];
}

/**
 * The JSON API and, when built, the console: who may ask is checked on every request, then the first route that
 * matches answers. Off loopback everything but the login form and the console's static files needs the token or
 * the session cookie the form gives for it.
 */
export async function startApiServer(
  routes: readonly Route[],
  options: {
    host: string;
    port: number;
    token: string | undefined;
    logger: Logger;
    /** The console's files (src/api/assets.ts); without `index.html` no page is served. */
    assets?: Map<string, Asset>;
  },
): Promise<ApiServer> {
  const loopback = isLoopback(options.host);
  const assets = options.assets ?? new Map<string, Asset>();
  const page = assets.get('index.html');
  const streams = new AbortController();
  const server = createServer((req, res) => {
    const refused = refusal(req, loopback);
    if (refused) return send(res, refused[0], { error: refused[1] });
    const url = new URL(req.url ?? '/', 'http://api');
    if (url.pathname === '/login') {
      login(req, res, url, options.token).catch((err: Error) =>
        send(res, ...failure(err, url.pathname, options.logger)),
      );
      return;
    }
    const get = req.method === 'GET';
    // The bundle and stylesheet hold no data, and the login form needs its stylesheet before anyone signed in.
    if (get && url.pathname.startsWith('/assets/'))
      return sendAsset(req, res, assets.get(url.pathname.slice(8)));
    const isPage = get && page !== undefined && PAGE.test(url.pathname);
    if (!signedIn(req, options.token)) {
      if (isPage) return redirect(res, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
      res.setHeader('www-authenticate', 'Bearer');
      return send(res, 401, { error: 'a bearer token is required' });
    }
    if (!get) return send(res, 405, { error: 'only GET is supported' });
    if (isPage) return sendHtml(res, 200, page.body);
    for (const route of routes) {
      const match = url.pathname.match(route.pattern);
      if (!match) continue;
      const params = decodeParams(match);
      if (params === undefined)
        return send(res, 400, { error: 'the path is not valid percent-encoded UTF-8' });
      if ('stream' in route) {
        const closed = AbortSignal.any([streams.signal, abortedWhenClosed(res)]);
        route.stream({ req, res, query: url.searchParams, closed, logger: options.logger });
        return;
      }
      route.handler(params, url.searchParams).then(
        (body) => {
          if (body === undefined) send(res, 404, { error: 'not found' });
          else if (body instanceof FileBody) sendFile(res, body);
          else send(res, 200, body);
        },
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
    close: () => {
      // Open event streams would hold the server open: end them first.
      streams.abort();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function abortedWhenClosed(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  return gone.signal;
}
