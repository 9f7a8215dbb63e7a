import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import { UsageError } from '../errors.js';

/** True when only this machine can reach an address bound to `host`. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  try {
    return ipaddr.process(host).range() === 'loopback';
  } catch {
    return false;
  }
}

/**
 * The bearer token the API demands, or undefined where none is needed: bound to loopback, only local users can
 * reach it; anywhere else a token is required and starting without one is refused.
 */
export function resolveToken(
  host: string,
  config: { token?: string; token_file?: string },
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const token =
    config.token ??
    (config.token_file ? readFileSync(config.token_file, 'utf8').trim() : undefined) ??
    (env.FLOWTRAIL_API_TOKEN || undefined);
  if (token === undefined && !isLoopback(host))
    throw new UsageError(
      `api: listening on ${host} needs a bearer token (api.token, api.token_file or FLOWTRAIL_API_TOKEN); ` +
        'without one, bind to 127.0.0.1',
    );
  return token;
}

export function authorized(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const match = header?.match(/^Bearer\s+(.+)$/i);
  if (!match) return false;
  const given = Buffer.from(match[1].trim());
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
