import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '@docpipe/runtime';
import { z } from 'zod';
import { apiError, serverError, StandinHttpError } from './errors.js';
import { countStatus } from './stats.js';
import type { Standin } from './standin.js';
import { parseEmbeddingsRequest, unparsableBody } from './validate.js';

/** Big enough that an over-limit request gets OpenAI's 400, not a 413 from the body parser. */
const BODY_LIMIT = 64 * 1024 * 1024;

/** Builds the HTTP app over `standin` (not listening yet): /v1/embeddings and the /_standin admin routes. */
export function buildStandinApp(standin: Standin, logger?: Logger): FastifyInstance {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    // A pino Logger is a FastifyBaseLogger; the cast keeps the instance's default logger type.
    ...(logger ? { loggerInstance: logger as FastifyBaseLogger } : { logger: false }),
    genReqId: () => `req_${randomBytes(16).toString('hex')}`,
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.setErrorHandler((err: FastifyError, _req, reply) => sendError(reply, toHttpError(err)));
  app.setNotFoundHandler((req, reply) => sendError(reply, apiError(404, `Invalid URL (${req.method} ${req.url})`)));
  registerEmbeddings(app, standin);
  registerAdmin(app, standin);
  return app;
}

function registerEmbeddings(app: FastifyInstance, standin: Standin): void {
  app.post(
    '/v1/embeddings',
    {
      // Authentication comes before the body is even parsed, as at OpenAI.
      onRequest: async (req, reply) => {
        track(standin, req, reply);
        standin.authenticate(req.headers.authorization);
      },
    },
    async (req, reply) => {
      const started = Date.now();
      const { latencyMs } = standin.current();
      if (latencyMs > 0) await sleep(latencyMs);
      const request = parseEmbeddingsRequest(req.body);
      standin.observe(request);
      const headers = standin.admit(request);
      const body = await standin.respond(request);
      void reply.headers({ ...headers, 'openai-model': request.model, 'openai-processing-ms': String(Date.now() - started) });
      return body;
    },
  );
}

/** Counts the request, its concurrency and, once answered, its status. */
function track(standin: Standin, req: FastifyRequest, reply: FastifyReply): void {
  const stats = standin.stats;
  stats.requests++;
  if (Number(req.headers['x-stainless-retry-count'] ?? 0) > 0) stats.retries++;
  stats.inFlight++;
  stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
  // 'close' fires for answered and for abandoned requests alike, so inFlight never leaks.
  reply.raw.once('close', () => {
    stats.inFlight--;
    if (reply.raw.writableFinished) countStatus(stats, reply.raw.statusCode);
  });
}

function registerAdmin(app: FastifyInstance, standin: Standin): void {
  app.get('/_standin/stats', async () => ({ ...standin.stats }));
  app.post('/_standin/stats/reset', async () => {
    standin.resetStats();
    return { ...standin.stats };
  });
  app.get('/_standin/config', async () => standin.current());
  app.post('/_standin/config', async (req, reply) => {
    try {
      return standin.configure((req.body ?? {}) as Record<string, unknown>);
    } catch (err) {
      const detail = err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message;
      return sendError(reply, apiError(400, `invalid stand-in config: ${detail}`));
    }
  });
}

function toHttpError(err: FastifyError): StandinHttpError {
  if (err instanceof StandinHttpError) return err;
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return apiError(413, 'Request body too large.');
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return unparsableBody();
  return serverError(500);
}

function sendError(reply: FastifyReply, err: StandinHttpError): FastifyReply {
  return reply.code(err.status).headers(err.headers).send(err.body);
}
