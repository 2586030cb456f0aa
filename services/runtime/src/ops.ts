import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyTypeProvider,
  type RawServerDefault,
} from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from './logging.js';
import type { HttpService } from './ports/service.js';
import { listen } from './http/listen.js';

/** A readiness check: true when the dependency is reachable now. */
export type ReadinessCheck = () => Promise<boolean>;

export interface OpsRoutesOptions {
  registry: Registry;
  checks: Record<string, ReadinessCheck>;
}

/** A check slower than this counts as failed: a hung dependency is not ready. */
export const READINESS_TIMEOUT_MS = 2_000;

/** Adds GET /healthz, /readyz and /metrics to `app` (whatever its logger and type provider). */
export function registerOpsRoutes<L extends FastifyBaseLogger, T extends FastifyTypeProvider>(
  app: FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, L, T>,
  opts: OpsRoutesOptions,
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const checks = await runChecks(opts.checks);
    const ready = Object.values(checks).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks });
  });
  app.get('/metrics', async (_req, reply) => {
    const body = await opts.registry.metrics();
    return reply.type(opts.registry.contentType).send(body);
  });
}

/** Runs every check concurrently; a throw or a timeout counts as false. */
export async function runChecks(
  checks: Record<string, ReadinessCheck>,
  timeoutMs = READINESS_TIMEOUT_MS,
): Promise<Record<string, boolean>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => [name, await withTimeout(check, timeoutMs)] as const),
  );
  return Object.fromEntries(entries);
}

async function withTimeout(check: ReadinessCheck, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(check).then((ok) => ok === true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export interface OpsServerOptions extends OpsRoutesOptions {
  host: string;
  port: number;
  logger: Logger;
}

/** A small HTTP server with only the ops routes, for the Kafka workers. */
export async function startOpsServer(opts: OpsServerOptions): Promise<HttpService> {
  // Probes hit these routes every few seconds; logging each would drown the rest.
  const logController = new LogController({ disableRequestLogging: true });
  const app = Fastify({ loggerInstance: opts.logger, logController });
  registerOpsRoutes(app, opts);
  const url = await listen(app, opts.host, opts.port);
  opts.logger.info({ url }, 'ops server listening');
  return { url, stop: () => app.close() };
}
