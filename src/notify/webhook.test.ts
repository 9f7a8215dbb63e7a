import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { webhookSender } from './webhook.js';

describe('the webhook channel', () => {
  it('posts the message as JSON, and a failure names where it went without the secret in its path', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(bodies.length === 1 ? 204 : 500);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const send = webhookSender({ url: `${origin}/hooks/T0SECRET/B0SECRET?key=SECRET`, headers: {} });
    const message = { subject: 's', text: 't', json: { subject: 's', findings: [] } };
    try {
      await send(message);
      const failed = await send(message).then(
        () => undefined,
        (err: Error) => err.message,
      );
      expect(bodies).toEqual([JSON.stringify(message.json), JSON.stringify(message.json)]);
      expect(failed).toBe(`webhook ${origin}: HTTP 500`);
    } finally {
      server.close();
    }
  });
});
