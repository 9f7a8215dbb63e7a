/**
 * Browser sessions of the console off loopback: a person types the API's token once into the login form and gets
 * a cookie instead, which scripts cannot read (HttpOnly) and other sites' pages cannot send (SameSite=Strict). The
 * cookie carries an expiry and a MAC of it keyed with the token, never the token: the server keeps no session
 * table, and a new token ends every session made with the old one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseCookie, stringifySetCookie } from 'cookie';

export const SESSION_COOKIE = 'flowtrail_session';
/** A working day: long enough not to ask again during one, short enough that a forgotten browser lets go. */
export const SESSION_TTL_MS = 12 * 3_600_000;

function mac(token: string, expires: number): Buffer {
  return createHmac('sha256', token).update(`flowtrail console session until ${expires}`).digest();
}

/** A session value good until `now + SESSION_TTL_MS`. */
export function issueSession(token: string, now: number): string {
  const expires = now + SESSION_TTL_MS;
  return `${expires}.${mac(token, expires).toString('base64url')}`;
}

/** Whether a session value was issued with this token and has not expired. */
export function validSession(value: string | undefined, token: string, now: number): boolean {
  const match = value?.match(/^(\d{13,15})\.([A-Za-z0-9_-]{43})$/);
  if (!match) return false;
  const expires = Number(match[1]);
  if (expires <= now) return false;
  return timingSafeEqual(Buffer.from(match[2], 'base64url'), mac(token, expires));
}

/** The session value a request's `Cookie` header carries, if any. */
export function sessionOf(cookieHeader: string | undefined): string | undefined {
  return cookieHeader === undefined ? undefined : parseCookie(cookieHeader)[SESSION_COOKIE];
}

/** The `Set-Cookie` header that hands a session to the browser, or (without a value) takes it back. */
export function sessionCookie(value: string | undefined): string {
  return stringifySetCookie({
    name: SESSION_COOKIE,
    value: value ?? '',
    maxAge: value === undefined ? 0 : SESSION_TTL_MS / 1000,
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
  });
}
