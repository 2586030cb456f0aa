import multipart from '@fastify/multipart';
import { installErrorHandlers, registerOpsRoutes, requestId, type DocumentRepository, type Logger, type ObjectStore, type ReadinessCheck, type Registry } from '@docpipe/runtime';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { IngestConfig } from './config.js';
import { createIngestMetrics } from './metrics.js';
import { registerStatusRoutes, registerUploadRoute } from './routes.js';

export interface IngestAppDeps {
  repo: DocumentRepository;
  store: ObjectStore;
  logger: Logger;
  config: IngestConfig;
  registry: Registry;
  /** Called after each accepted upload (wakes the outbox relay). */
  onUploaded?: () => void;
  /** Extra readiness checks (e.g. the bus), beside the database and the object store. */
  checks?: Record<string, ReadinessCheck>;
}


/** Builds ingest's HTTP app (DESIGN §4) without listening; tests drive it with `inject`. */
export async function buildIngestApp(deps: IngestAppDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger, genReqId: requestId });
  installErrorHandlers(app);
  // Bodies are never parsed by fastify: uploads stream through @fastify/multipart,
  // and anything that is not multipart is refused by the route without being read.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  await app.register(multipart, {
    preservePath: true, // keep the client's name as given; we sanitise it ourselves
    throwFileSizeLimit: true,
    limits: {
      files: 1,
      fields: 20,
      parts: 40,
      fieldSize: 64 * 1024,
      headerPairs: 100,
      // One byte over the limit reaches our meter, which refuses it with a clear 413.
      fileSize: deps.config.MAX_UPLOAD_BYTES + 1,
    },
  });
  const { repo, store, config } = deps;
  registerOpsRoutes(app, {
    registry: deps.registry,
    checks: { database: () => repo.ping(), objectStore: () => store.ping(), ...deps.checks },
  });
  const metrics = createIngestMetrics(deps.registry, repo, deps.logger);
  const routeDeps = { repo, store, metrics, maxUploadBytes: config.MAX_UPLOAD_BYTES, defaultCompanyId: config.DEFAULT_COMPANY_ID };
  registerUploadRoute(app, { ...routeDeps, ...(deps.onUploaded ? { onUploaded: deps.onUploaded } : {}) });
  registerStatusRoutes(app, routeDeps);
  return app;
}
