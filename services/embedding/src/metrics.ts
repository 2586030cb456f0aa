import { Counter, Histogram, type Registry } from 'prom-client';
import type { EmbedObserver } from './process.js';

/** The embedding worker's Prometheus metrics, as an observer of embedBatch. */
export function embeddingMetrics(registry: Registry): EmbedObserver {
  const registers = [registry];
  const embedded = new Counter({ name: 'docpipe_embedding_chunks_embedded_total', help: 'Chunks embedded and published to embeddings.ready', registers });
  const requests = new Counter({ name: 'docpipe_embedding_requests_total', help: 'Embeddings requests sent', registers });
  const failures = new Counter({ name: 'docpipe_embedding_request_failures_total', help: 'Embeddings requests that failed', registers });
  const deadLettered = new Counter({
    name: 'docpipe_embedding_chunks_dead_lettered_total',
    help: 'Chunks sent to documents.dlq instead of being embedded',
    labelNames: ['reason'],
    registers,
  });
  const inputs = new Histogram({
    name: 'docpipe_embedding_request_inputs',
    help: 'Inputs per embeddings request',
    buckets: [1, 8, 32, 128, 512, 1024, 2048],
    registers,
  });
  const tokens = new Histogram({
    name: 'docpipe_embedding_request_tokens',
    help: 'Tokens per embeddings request',
    buckets: [100, 1_000, 10_000, 50_000, 100_000, 200_000, 300_000],
    registers,
  });
  return {
    request(n, t) {
      requests.inc();
      inputs.observe(n);
      tokens.observe(t);
    },
    embedded: (n) => embedded.inc(n),
    deadLettered: (reason, n) => {
      if (n > 0) deadLettered.inc({ reason }, n);
    },
    requestFailed: () => failures.inc(),
  };
}
