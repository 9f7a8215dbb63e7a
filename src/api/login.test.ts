import { describe, expect, it } from 'vitest';
import { localPath, loginPage } from './login.js';

describe('the login form', () => {
  it('returns only to a path of this site', () => {
    expect(localPath('/hosts/10.77.0.5?from=2026-11-21T22:00Z&to=-1h')).toBe(
      '/hosts/10.77.0.5?from=2026-11-21T22:00Z&to=-1h',
    );
    for (const away of [
      '//evil.example/',
      '/\\evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      '/"><x>',
      '',
    ])
      expect(localPath(away), away).toBe('/');
    expect(localPath(null)).toBe('/');
  });

  it('carries the way back escaped, and says why the last try failed', () => {
    const page = loginPage('/search?ip=10.0.0.0/8&protocol=tcp', 'the token is not right');
    expect(page).toContain('name="next" value="/search?ip=10.0.0.0/8&#38;protocol=tcp"');
    expect(page).toContain('<p class="error" role="alert">the token is not right</p>');
    expect(page).toContain('<label for="token">Token</label>');
    expect(loginPage('/')).not.toContain('role="alert"');
  });
});
