import type { DocumentRepository, Logger, Registry } from '@docpipe/runtime';
import { Counter, Gauge } from 'prom-client';

/** What ingest counts, beside the default process metrics. */
export interface IngestMetrics {
  /** Uploads by outcome: `accepted`, or the error code they were refused with. */
  uploads: Counter<'outcome'>;
  uploadedBytes: Counter;
}

const UPLOADS = 'docpipe_ingest_uploads_total';
const UPLOADED_BYTES = 'docpipe_ingest_uploaded_bytes_total';
const DOCUMENTS = 'docpipe_documents';

/**
 * Registers ingest's metrics on `registry`, including a documents-by-status
 * gauge read at scrape time. Safe to call twice on one registry (local mode
 * shares one between services): the metrics already there are reused.
 */
export function createIngestMetrics(registry: Registry, repo: DocumentRepository, logger: Logger): IngestMetrics {
  const uploads =
    (registry.getSingleMetric(UPLOADS) as Counter<'outcome'> | undefined) ??
    new Counter({ name: UPLOADS, help: 'Upload requests by outcome (accepted, or the error code).', labelNames: ['outcome'] as const, registers: [registry] });
  const uploadedBytes =
    (registry.getSingleMetric(UPLOADED_BYTES) as Counter | undefined) ??
    new Counter({ name: UPLOADED_BYTES, help: 'Bytes of accepted uploads.', registers: [registry] });
  if (!registry.getSingleMetric(DOCUMENTS)) registerDocumentsGauge(registry, repo, logger);
  return { uploads, uploadedBytes };
}

function registerDocumentsGauge(registry: Registry, repo: DocumentRepository, logger: Logger): void {
  new Gauge({
    name: DOCUMENTS,
    help: 'Documents by status.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      try {
        const counts = await repo.countByStatus();
        for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
      } catch (err) {
        // A scrape must not fail because the database is briefly away; the gauge keeps its last values.
        logger.warn({ err }, 'could not count documents by status');
      }
    },
  });
}
