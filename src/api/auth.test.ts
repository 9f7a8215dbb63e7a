import { describe, expect, it } from 'vitest';
import { authorized, isLoopback, resolveToken } from './auth.js';

describe('api authentication', () => {
  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '10.77.0.1', '::', 'example.org'].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('needs a token beyond loopback only', () => {
    expect(resolveToken('127.0.0.1', {}, {}).token).toBeUndefined();
    expect(() => resolveToken('0.0.0.0', {}, {})).toThrow(/needs a bearer token/);
    expect(resolveToken('0.0.0.0', {}, { FLOWTRAIL_API_TOKEN: 'from-the-environment' }).token).toBe(
      'from-the-environment',
    );
  });

  it('accepts exactly the bearer token', () => {
    expect(authorized(undefined, undefined)).toBe(true);
    expect(authorized(undefined, 'secret-secret-secret')).toBe(false);
    expect(authorized('Bearer secret-secret-secret', 'secret-secret-secret')).toBe(true);
    expect(authorized('bearer secret-secret-secreT', 'secret-secret-secret')).toBe(false);
    expect(authorized('Basic c2VjcmV0', 'secret-secret-secret')).toBe(false);
  });
});
