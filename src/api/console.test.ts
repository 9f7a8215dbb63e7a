import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from './assets.js';
import { type ApiServer, FileBody, startApiServer } from './server.js';
import { issueSession } from './session.js';

const TOKEN = 'unit-test-token-0123456789';

function asset(text: string, type: string): Asset {
  return { body: Buffer.from(text), type, etag: `"${text.length}"` };
}

// A token on loopback: the console asks for it exactly as it does off loopback, through the same checks.
describe('the console behind the token', () => {
  let api: ApiServer;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${api.url}${path}`, { headers, redirect: 'manual' });
  const signIn = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${api.url}/login`, {
      method: 'POST',
      body: new URLSearchParams(form),
      headers: { origin: api.url, ...headers },
      redirect: 'manual',
    });

  beforeAll(async () => {
    api = await startApiServer(
      [
        { pattern: /^\/api\/data$/, handler: async () => ({ secret: 42 }) },
        {
          pattern: /^\/api\/data\.csv$/,
          handler: async () => new FileBody('text/csv', 'a,b\n1,2\n', 'data.csv'),
        },
      ],
      {
        host: '127.0.0.1',
        port: 0,
        token: TOKEN,
        logger: pino({ level: 'silent' }),
        assets: new Map([
          ['index.html', asset('<!doctype html><title>console</title>', 'text/html')],
          ['console.css', asset('body{}', 'text/css')],
        ]),
      },
    );
  });
  afterAll(() => api.close());

  it('sends a page without credentials to the login form, and answers data with 401', async () => {
    const page = await get('/hosts/10.77.0.5?from=-1h');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login?next=%2Fhosts%2F10.77.0.5%3Ffrom%3D-1h');
    const data = await get('/api/data');
    expect(data.status).toBe(401);
    expect(await data.text()).not.toContain('42');
    const form = await get('/login?next=/search');
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('<input type="hidden" name="next" value="/search">');
  });

  it('serves the stylesheet to anyone, revalidated by its ETag', async () => {
    const css = await get('/assets/console.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css');
    expect((await get('/assets/console.css', { 'if-none-match': '"6"' })).status).toBe(304);
    expect((await get('/assets/missing.js')).status).toBe(404);
  });

  it('gives an HttpOnly SameSite cookie for the right token only, and the pages and data for it', async () => {
    const wrong = await signIn({ token: 'not-the-token-at-all', next: '/search' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('role="alert"');

    const right = await signIn({ token: TOKEN, next: '/search?ip=10.0.0.0/8' });
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/search?ip=10.0.0.0/8');
    const cookie = right.headers.get('set-cookie') as string;
    expect(cookie).toMatch(/^flowtrail_session=[^;]+; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(TOKEN);
    const session = { cookie: cookie.split(';')[0] };

    const page = await get('/search', session);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<title>console</title>');
    expect(await (await get('/api/data', session)).json()).toEqual({ secret: 42 });
    const csv = await get('/api/data.csv', session);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="data.csv"');
    expect(await csv.text()).toBe('a,b\n1,2\n');
  });

  it('refuses sessions made with another token, and sign-ins from other sites', async () => {
    const forged = { cookie: `flowtrail_session=${issueSession('another-token-0123456789', Date.now())}` };
    expect((await get('/api/data', forged)).status).toBe(401);
    expect((await get('/', forged)).status).toBe(303);
    const elsewhere = await signIn({ token: TOKEN, next: '/' }, { origin: 'http://evil.example' });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.get('set-cookie')).toBeNull();
  });

  it('still takes the bearer token, and only GET outside the login form', async () => {
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expect((await get('/api/data', bearer)).status).toBe(200);
    const post = await fetch(`${api.url}/api/data`, { method: 'POST', headers: bearer });
    expect(post.status).toBe(405);
  });
});
