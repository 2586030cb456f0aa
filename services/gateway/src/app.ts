import type { IncomingHttpHeaders } from 'node:http';
import { COMPANY_HEADER } from '@docpipe/contracts';
import { companyOf, errorBody, HttpError, installErrorHandlers, registerOpsRoutes, requestId, type Logger, type Registry } from '@docpipe/runtime';
import replyFrom from '@fastify/reply-from';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { GatewayConfig } from './config.js';
import { UPLOAD_PAGE_CSP, uploadPage } from './page.js';

export interface GatewayAppDeps {
  config: GatewayConfig;
  logger: Logger;
  registry: Registry;
}

/**
 * Room for the multipart envelope around a file of the maximum size when
 * judging a request by its Content-Length (ingest allows the same).
 */
export const MULTIPART_ENVELOPE_BYTES = 64 * 1024;
/** How long the readiness probe waits for ingest's /healthz. */
export const UPSTREAM_PROBE_TIMEOUT_MS = 2_000;


/** Builds the gateway's HTTP app without listening; tests drive it with `inject` or a real port. */
export async function buildGatewayApp(deps: GatewayAppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({ loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger, genReqId: requestId });
  installErrorHandlers(app);
  // Bodies are never parsed here: the request stream itself is handed to the
  // proxy, so an upload flows through without being buffered.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  await app.register(replyFrom, {
    base: config.INGEST_URL,
    undici: { connections: 128, headersTimeout: config.UPSTREAM_TIMEOUT_MS, bodyTimeout: config.UPSTREAM_TIMEOUT_MS },
  });
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  registerOpsRoutes(app, { registry: deps.registry, checks: { ingest: () => ingestReachable(config.INGEST_URL) } });
  registerProxy(app, config);
  const page = uploadPage(config.DEFAULT_COMPANY_ID);
  app.get('/', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', UPLOAD_PAGE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .send(page),
  );
  return app;
}

/** /ingest/* → ingest, streaming both ways, after the edge checks (company id, Content-Length). */
function registerProxy(app: FastifyInstance, config: GatewayConfig): void {
  const maxRequestBytes = config.MAX_UPLOAD_BYTES + MULTIPART_ENVELOPE_BYTES;
  const preflight = async (request: FastifyRequest): Promise<void> => {
    companyOf(request, config.DEFAULT_COMPANY_ID);
    if (Number(request.headers['content-length'] ?? 0) > maxRequestBytes) {
      throw new HttpError(413, 'payload_too_large', `the file exceeds the upload limit of ${config.MAX_UPLOAD_BYTES} bytes`);
    }
  };
  app.all('/ingest/*', { onRequest: preflight }, async (request, reply) => {
    const company = companyOf(request, config.DEFAULT_COMPANY_ID);
    return reply.from(undefined, {
      rewriteRequestHeaders: (_req, headers) => upstreamHeaders(headers, company, request.id),
      onError: (_failed, { error }) => upstreamFailed(reply, error),
    });
  });
}

/**
 * The headers ingest gets. `expect` stays behind: Node's server has already
 * answered the client's `Expect: 100-continue` (curl sends it for files over
 * 1 MiB), and undici refuses to send a request carrying it.
 */
function upstreamHeaders(headers: IncomingHttpHeaders, company: string, requestId: string): IncomingHttpHeaders {
  const { expect: _answered, ...rest } = headers;
  // Both services must agree on the company: the gateway's default is made explicit.
  return { ...rest, [COMPANY_HEADER]: company, 'x-request-id': requestId };
}

function upstreamFailed(reply: FastifyReply, error: Partial<FastifyError> & Error): void {
  const timedOut = error.statusCode === 504;
  reply.log.warn({ err: error }, 'ingest request failed');
  if (!reply.request.raw.complete) void reply.header('connection', 'close');
  void reply
    .status(timedOut ? 504 : 502)
    .send(
      timedOut
        ? errorBody('upstream_timeout', 'the ingest service did not answer in time')
        : errorBody('upstream_unavailable', 'the ingest service is unavailable; try again shortly'),
    );
}

/** Readiness: ingest answers its /healthz. */
async function ingestReachable(ingestUrl: string): Promise<boolean> {
  const res = await fetch(new URL('/healthz', ingestUrl), { signal: AbortSignal.timeout(UPSTREAM_PROBE_TIMEOUT_MS) });
  await res.body?.cancel();
  return res.ok;
}
