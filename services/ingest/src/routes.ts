import { DocumentId } from '@docpipe/contracts';
import { InvalidCursorError, type DocumentRepository, type ObjectStore } from '@docpipe/runtime';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { classifyError, companyOf, HttpError } from '@docpipe/runtime';
import type { IngestMetrics } from './metrics.js';
import { receiveUpload } from './upload.js';
import { tooLarge } from './upload-stream.js';

/**
 * Room for the multipart envelope (boundaries, part headers, small fields)
 * around a file of the maximum size, when judging a request by its Content-Length.
 */
export const MULTIPART_ENVELOPE_BYTES = 64 * 1024;

export interface RouteDeps {
  repo: DocumentRepository;
  store: ObjectStore;
  metrics: IngestMetrics;
  maxUploadBytes: number;
  defaultCompanyId: string;
  onUploaded?: () => void;
}

/** POST /ingest/upload (DESIGN §4). */
export function registerUploadRoute(app: FastifyInstance, deps: RouteDeps): void {
  const maxRequestBytes = deps.maxUploadBytes + MULTIPART_ENVELOPE_BYTES;
  const rejectOversized = async (request: FastifyRequest): Promise<void> => {
    if (Number(request.headers['content-length'] ?? 0) <= maxRequestBytes) return;
    deps.metrics.uploads.inc({ outcome: 'payload_too_large' });
    throw tooLarge(deps.maxUploadBytes);
  };
  app.post('/ingest/upload', { onRequest: rejectOversized }, async (request, reply) => {
    try {
      const companyId = companyOf(request, deps.defaultCompanyId);
      const parts = request.parts();
      const ctx = { ...deps, log: request.log, maxBytes: deps.maxUploadBytes, companyId };
      const { accepted, sizeBytes } = await receiveUpload(parts, ctx);
      deps.metrics.uploads.inc({ outcome: 'accepted' });
      deps.metrics.uploadedBytes.inc(sizeBytes);
      deps.onUploaded?.();
      return reply.status(202).send(accepted);
    } catch (err) {
      deps.metrics.uploads.inc({ outcome: classifyError(err as Error).code });
      throw err;
    }
  });
}

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(1024).optional(),
});

/** GET /ingest/status and GET /ingest/status/:document_id, scoped to the caller's company. */
export function registerStatusRoutes(app: FastifyInstance, deps: Pick<RouteDeps, 'repo' | 'defaultCompanyId'>): void {
  app.get('/ingest/status', async (request) => {
    const companyId = companyOf(request, deps.defaultCompanyId);
    const query = ListQuery.safeParse(request.query);
    if (!query.success) {
      throw new HttpError(400, 'invalid_query', 'limit must be an integer from 1 to 100; cursor must come from next_cursor');
    }
    try {
      return await deps.repo.listDocuments(companyId, query.data);
    } catch (err) {
      if (err instanceof InvalidCursorError) {
        throw new HttpError(400, 'invalid_cursor', 'cursor is not one this API handed out; use next_cursor as given');
      }
      throw err;
    }
  });
  app.get<{ Params: { document_id: string } }>('/ingest/status/:document_id', async (request) => {
    const companyId = companyOf(request, deps.defaultCompanyId);
    const id = request.params.document_id;
    // Unknown, malformed and another company's ids all get the same answer: nothing leaks.
    const doc = DocumentId.safeParse(id).success ? await deps.repo.getDocument(companyId, id) : null;
    if (!doc) throw new HttpError(404, 'not_found', 'no such document');
    return doc;
  });
}
