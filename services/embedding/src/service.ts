import { ConsumerGroups, Topics } from '@docpipe/contracts';
import type { Embedder, EventBus, Logger, Service } from '@docpipe/runtime';
import type { Registry } from 'prom-client';
import type { EmbeddingConfig } from './config.js';
import { embeddingMetrics } from './metrics.js';
import { createLimiter } from './pool.js';
import { embedBatch, type EmbedProcessConfig } from './process.js';

export interface EmbeddingDeps {
  bus: EventBus;
  embedder: Embedder;
  logger: Logger;
  config: EmbedProcessConfig & Pick<EmbeddingConfig, 'CONSUMER_MAX_BATCH'>;
  registry: Registry;
}

/**
 * Starts the embedding worker: consumes chunks.processed as its group, embeds
 * in batches within the embedder's limits, publishes embeddings.ready.
 */
export async function startEmbedding(deps: EmbeddingDeps): Promise<Service> {
  const { bus, embedder, config } = deps;
  if (embedder.dimensions !== config.EMBEDDING_DIMENSIONS) {
    throw new Error(`the embedder makes ${embedder.dimensions}-dimensional vectors but EMBEDDING_DIMENSIONS is ${config.EMBEDDING_DIMENSIONS}`);
  }
  const logger = deps.logger.child({ component: 'embedding' });
  const observer = embeddingMetrics(deps.registry);
  const limiter = createLimiter(config.EMBEDDING_CONCURRENCY);
  const subscription = await bus.subscribe({
    groupId: ConsumerGroups.embedding,
    topics: [Topics.chunksProcessed],
    maxBatchSize: config.CONSUMER_MAX_BATCH,
    handleBatch: (batch) => embedBatch(batch, { bus, embedder, logger, config, observer, limiter }),
  });
  logger.info({ model: embedder.model, dimensions: embedder.dimensions, concurrency: config.EMBEDDING_CONCURRENCY }, 'embedding worker started');
  return {
    async stop() {
      await subscription.stop();
      logger.info('embedding worker stopped');
    },
  };
}
