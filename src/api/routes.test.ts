import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../config/load.js';
import { correlationSettings } from '../correlate/correlator.js';
import type { StoreClient } from '../store/client.js';
import { VERSION } from '../util/package.js';
import { apiRoutes } from './routes.js';
import { type ApiServer, startApiServer } from './server.js';

// The index needs no cluster: a client that answers nothing shows that no route of it asks one.
const noClient = {} as StoreClient;

describe('the API index', () => {
  let api: ApiServer;

  beforeAll(async () => {
    const config = validateConfig({});
    api = await startApiServer(apiRoutes(noClient, config, correlationSettings(config)), {
      host: '127.0.0.1',
      port: 0,
      token: undefined,
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(() => api.close());

  it('answers /api, and / when the console was not built, with the routes and their parameters', async () => {
    const index = await (await fetch(`${api.url}/api`)).json();
    expect(index).toMatchObject({ name: 'flowtrail', version: VERSION });
    expect(index.routes.map((r: { path: string }) => r.path)).toEqual([
      '/api/alerts/{id}/context',
      '/api/pcap/{kind}/{id}',
      '/api/hosts/{ip}',
      '/api/flows',
      '/api/flows.csv',
      '/api/traffic',
      '/api/alerts',
      '/api/hosts/{ip}/billing',
      '/api/live',
      '/api/reports/{name}',
    ]);
    const flows = index.routes.find((r: { path: string }) => r.path === '/api/flows');
    expect(flows.parameters.map((p: { name: string }) => p.name)).toEqual([
      'from',
      'to',
      'ip',
      'local_port',
      'remote_port',
      'protocol',
      'min_bytes',
      'max_bytes',
      'first_talker',
      'observer',
      'limit',
    ]);
    const root = await fetch(`${api.url}/`);
    expect(root.status).toBe(200);
    expect(await root.json()).toEqual(index);
  });

  it('points a wrong path at the index', async () => {
    const answer = await fetch(`${api.url}/nope`);
    expect(answer.status).toBe(404);
    expect(await answer.json()).toEqual({ error: 'no route for /nope; GET /api lists the routes' });
  });
});
