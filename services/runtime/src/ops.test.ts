import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './logging.js';
import { createRegistry } from './metrics.js';
import { registerOpsRoutes, runChecks, startOpsServer } from './ops.js';
import type { HttpService } from './ports/service.js';

const registry = createRegistry('test');
const apps: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function build(checks: Record<string, () => Promise<boolean>>) {
  const app = Fastify();
  registerOpsRoutes(app, { registry, checks });
  apps.push(app);
  return app;
}

describe('ops routes', () => {
  it('GET /healthz is 200 while the process runs', async () => {
    const res = await build({ db: async () => false }).inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 when every check passes', async () => {
    const res = await build({ db: async () => true, bus: async () => true }).inject('/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', checks: { db: true, bus: true } });
  });

  it('GET /readyz is 503 when a check fails or throws', async () => {
    const res = await build({
      db: async () => true,
      bus: async () => false,
      s3: async () => {
        throw new Error('unreachable');
      },
    }).inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', checks: { db: true, bus: false, s3: false } });
  });

  it('GET /metrics returns Prometheus text', async () => {
    const res = await build({}).inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('process_cpu_user_seconds_total{service="test"}');
  });
});

describe('runChecks', () => {
  it('counts a check that never settles as false', async () => {
    const result = await runChecks({ hung: () => new Promise<boolean>(() => {}), ok: async () => true }, 20);
    expect(result).toEqual({ hung: false, ok: true });
  });

  it('counts a truthy non-boolean as false', async () => {
    const result = await runChecks({ odd: async () => 'yes' as unknown as boolean });
    expect(result).toEqual({ odd: false });
  });
});

describe('startOpsServer', () => {
  let server: HttpService | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('serves the ops routes over HTTP', async () => {
    const logger = createLogger({ name: 'test', level: 'silent', format: 'json' });
    server = await startOpsServer({ host: '127.0.0.1', port: 0, registry, checks: { bus: async () => true }, logger });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { bus: true } });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });
});
