import { describe, expect, it } from 'vitest';
import { issueSession, SESSION_TTL_MS, sessionCookie, sessionOf, validSession } from './session.js';

const token = 'a-token-of-some-length';
const now = Date.parse('2026-11-21T22:00:00Z');

describe('console sessions', () => {
  it('holds for the token it was issued with until it expires, and carries nothing of the token', () => {
    const session = issueSession(token, now);
    expect(session).not.toContain(token);
    expect(validSession(session, token, now + 1000)).toBe(true);
    expect(validSession(session, token, now + SESSION_TTL_MS)).toBe(false);
    expect(validSession(session, 'another-token-of-length', now)).toBe(false);
  });

  it('refuses a session whose expiry was pushed out, or that is not one', () => {
    const [expires, tag] = issueSession(token, now).split('.');
    expect(validSession(`${Number(expires) + SESSION_TTL_MS}.${tag}`, token, now)).toBe(false);
    for (const value of [undefined, '', token, `${expires}.`, `${expires}.${tag}x`, `x${expires}.${tag}`])
      expect(validSession(value, token, now), String(value)).toBe(false);
  });

  it('travels in an HttpOnly, SameSite=Strict cookie of the whole site, and is read back from a Cookie header', () => {
    const session = issueSession(token, now);
    const header = sessionCookie(session);
    expect(header).toMatch(/^flowtrail_session=[^;]+; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(sessionOf(`theme=dark; flowtrail_session=${session}`)).toBe(session);
    expect(sessionOf('theme=dark')).toBeUndefined();
    expect(sessionCookie(undefined)).toMatch(/^flowtrail_session=; Max-Age=0;/);
  });
});
