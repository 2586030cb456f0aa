import { Counter, Histogram, type Registry } from 'prom-client';

/** Why a document went to documents.dlq. */
export type DocprocFailure = 'invalid_message' | 'not_found' | 'too_large' | 'unsupported_type' | 'extraction';

/** Hooks for metrics; every method is optional so tests can leave them out. */
export interface DocprocObserver {
  processed?(contentType: string, chunks: number): void;
  failed?(reason: DocprocFailure): void;
  extracted?(contentType: string, seconds: number): void;
}

/** The docproc worker's Prometheus metrics, as an observer of processDocument. */
export function docprocMetrics(registry: Registry): DocprocObserver {
  const registers = [registry];
  const processed = new Counter({
    name: 'docpipe_docproc_documents_processed_total',
    help: 'Documents extracted, chunked and published to chunks.processed',
    labelNames: ['content_type'],
    registers,
  });
  const failed = new Counter({
    name: 'docpipe_docproc_documents_failed_total',
    help: 'Documents sent to documents.dlq',
    labelNames: ['reason'],
    registers,
  });
  const chunks = new Counter({ name: 'docpipe_docproc_chunks_produced_total', help: 'Chunks published to chunks.processed', registers });
  const extraction = new Histogram({
    name: 'docpipe_docproc_extraction_duration_seconds',
    help: 'Time to extract the text of one document',
    labelNames: ['content_type'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  return {
    processed(contentType, n) {
      processed.inc({ content_type: contentType });
      chunks.inc(n);
    },
    failed: (reason) => failed.inc({ reason }),
    extracted: (contentType, seconds) => extraction.observe({ content_type: contentType }, seconds),
  };
}
