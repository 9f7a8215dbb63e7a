import { createHash, timingSafeEqual } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { ConfigError, UsageError } from '../errors.js';
import { readSecretFile } from '../util/secrets.js';

/** Tokens shorter than this are guessable; `api.token` has the same floor in the configuration schema. */
const MIN_TOKEN_LENGTH = 16;

/** True when only this machine can reach an address bound to `host`. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  try {
    return ipaddr.process(host).range() === 'loopback';
  } catch {
    return false;
  }
}

export interface ResolvedToken {
  /** The bearer token requests must carry; undefined on loopback without one configured. */
  token: string | undefined;
  /** Problems worth a warning that do not stop the API (a token file others can read). */
  warnings: string[];
}

/**
 * The bearer token the API demands, or undefined where none is needed: bound to loopback, only local users can
 * reach it; anywhere else a token is required and starting without one is refused. A configured token that is
 * empty or short is an error wherever the API listens.
 */
export function resolveToken(
  host: string,
  config: { token?: string; token_file?: string },
  env: NodeJS.ProcessEnv = process.env,
): ResolvedToken {
  const warnings: string[] = [];
  let token: string | undefined;
  let key = 'api.token';
  if (config.token !== undefined) token = config.token;
  else if (config.token_file !== undefined) {
    key = 'api.token_file';
    const file = readSecretFile(config.token_file, key);
    token = file.value;
    if (file.exposed) warnings.push(file.exposed);
  } else if (env.FLOWTRAIL_API_TOKEN) {
    // Set but empty reads as unset, as shells and service managers often leave variables; blank is an error.
    key = 'FLOWTRAIL_API_TOKEN';
    token = env.FLOWTRAIL_API_TOKEN.trim();
  }
  if (token !== undefined && (token.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)))
    throw new ConfigError(
      `${key}: a token of at least ${MIN_TOKEN_LENGTH} printable ASCII characters without spaces is required`,
    );
  if (token === undefined && !isLoopback(host))
    throw new UsageError(
      `api: listening on ${host} needs a bearer token (api.token, api.token_file or FLOWTRAIL_API_TOKEN); ` +
        'without one, bind to 127.0.0.1',
    );
  return { token, warnings };
}

/** Comparing digests of equal length tells an observer of the time taken nothing, not even the token's length. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Whether a token given (a header's, a login form's) is the API's. */
export function tokenMatches(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

export function authorized(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const match = header?.match(/^Bearer +([\x21-\x7e]+) *$/i);
  if (!match) return false;
  return tokenMatches(match[1], token);
}

/** The host name of a `Host` header, without its port, as a URL would parse it; undefined when it is not one. */
function hostName(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  try {
    return new URL(`http://${header}`).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return undefined;
  }
}

/**
 * Whether a request for an API bound to loopback names this machine in its `Host`: a page of another site whose
 * name was made to resolve to 127.0.0.1 (DNS rebinding) sends its own name, which is refused.
 */
export function namesThisMachine(host: string | undefined): boolean {
  const name = hostName(host);
  return name !== undefined && isLoopback(name);
}

/** A browser's request comes from a page of the API itself, or from no page: other sites' pages are refused. */
export function sameOrigin(headers: { host?: string; origin?: string }): boolean {
  if (headers.origin === undefined) return true;
  try {
    const origin = new URL(headers.origin);
    return origin.protocol === 'http:' && origin.host === new URL(`http://${headers.host}`).host;
  } catch {
    return false;
  }
}
