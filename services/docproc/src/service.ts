import { ConsumerGroups, Topics } from '@docpipe/contracts';
import { eachMessage, type EventBus, type Logger, type ObjectStore, type Service } from '@docpipe/runtime';
import type { Registry } from 'prom-client';
import type { DocprocConfig } from './config.js';
import { closePdfWorkers } from './extract/index.js';
import { docprocMetrics } from './metrics.js';
import { processDocument } from './process.js';

export interface DocprocServiceDeps {
  bus: EventBus;
  store: ObjectStore;
  logger: Logger;
  config: DocprocConfig;
  /** Where the worker's metrics are registered; none are kept when absent. */
  registry?: Registry;
}

/**
 * Starts the docproc worker: consumes documents.raw as its group, one message
 * at a time (each success is committed before the next starts). Stopping
 * aborts an extraction in progress — that message is delivered again later.
 */
export async function startDocproc(deps: DocprocServiceDeps): Promise<Service> {
  const logger = deps.logger.child({ component: 'docproc' });
  const observer = deps.registry ? docprocMetrics(deps.registry) : undefined;
  const shutdown = new AbortController();
  const handlerDeps = { bus: deps.bus, store: deps.store, config: deps.config, logger, observer, signal: shutdown.signal };
  const subscription = await deps.bus.subscribe({
    groupId: ConsumerGroups.docproc,
    topics: [Topics.documentsRaw],
    // One document per batch: documents are large, and a redelivery then repeats only one.
    maxBatchSize: 1,
    handleBatch: eachMessage((msg) => processDocument(msg, handlerDeps)),
  });
  logger.info({ maxTokens: deps.config.CHUNK_MAX_TOKENS, overlapTokens: deps.config.CHUNK_OVERLAP_TOKENS }, 'docproc worker started');
  return {
    async stop() {
      shutdown.abort();
      await subscription.stop();
      await closePdfWorkers();
      logger.info('docproc worker stopped');
    },
  };
}
