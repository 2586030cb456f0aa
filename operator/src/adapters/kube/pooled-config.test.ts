import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { PooledKubeConfig } from './pooled-config.js';

/** A kubeconfig with a CA and a bearer token: client-node then builds an undici Agent per request. */
function load(kc: KubeConfig, token: () => string): void {
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', caData: Buffer.from('not really a CA').toString('base64') }],
    users: [{ name: 'u', get token() { return token(); } }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
}

async function contextOf(kc: KubeConfig): Promise<RequestContext> {
  const ctx = new RequestContext('https://127.0.0.1:1/api/v1/namespaces', HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  return ctx;
}

async function until(holds: () => boolean): Promise<void> {
  while (!holds()) await new Promise((r) => setTimeout(r, 10));
}

describe('PooledKubeConfig', () => {
  it('gives every request the same dispatcher (one connection pool) where client-node makes a new one each time', async () => {
    const plain = new KubeConfig();
    load(plain, () => 't');
    expect((await contextOf(plain)).getDispatcher()).not.toBe((await contextOf(plain)).getDispatcher());

    let token = 'first';
    const pooled = new PooledKubeConfig();
    load(pooled, () => token);
    const a = await contextOf(pooled);
    token = 'second';
    const b = await contextOf(pooled);
    expect(a.getDispatcher()).toBeDefined();
    expect(b.getDispatcher()).toBe(a.getDispatcher());
    // Credentials are still applied per request.
    expect(b.getHeaders()['Authorization']).toBe('Bearer second');
    await pooled.closeConnections();
    expect((await contextOf(pooled)).getDispatcher()).not.toBe(a.getDispatcher());
    await pooled.closeConnections();
  });

  it('closes at once even when a request never ends, failing that request and its connection', async () => {
    // A server that takes requests and never answers: a watch whose peer went silent.
    const held: ServerResponse[] = [];
    let socketClosed = false;
    const server = createServer((req, res) => {
      held.push(res);
      req.socket.on('close', () => (socketClosed = true));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const pooled = new PooledKubeConfig();
      load(pooled, () => 't');
      const dispatcher = (await contextOf(pooled)).getDispatcher()!;
      const { port } = server.address() as AddressInfo;
      const stuck = dispatcher.request({ origin: `http://127.0.0.1:${port}`, path: '/watch', method: 'GET' });
      const outcome = stuck.then(() => 'answered', (err: Error) => err.name);
      await until(() => held.length > 0);
      await pooled.closeConnections();
      expect(await outcome).toBe('ClientDestroyedError');
      await until(() => socketClosed);
    } finally {
      for (const res of held) res.destroy();
      server.close();
    }
  });
});
