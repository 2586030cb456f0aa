import { encode, Topics, type EmbeddingReady, type EncodedMessage } from '@docpipe/contracts';
import { dlqMessage, type Embedder, type EventBus, type Logger, type MessageBatch } from '@docpipe/runtime';
import { effectiveLimits, planBatches, type BatchLimits } from './batching.js';
import { chunkDeadLetter, decodeChunks, type DeadLetter, type PendingChunk } from './chunks.js';
import type { EmbeddingConfig } from './config.js';
import { describeError, isPermanentEmbedError } from './errors.js';
import { createLimiter, mapWithLimiter, type Limiter } from './pool.js';

/** Why a chunk was not embedded. */
export type FailureReason = 'invalid' | 'oversized' | 'rejected';

/** Hooks for metrics; every method is optional so tests can leave them out. */
export interface EmbedObserver {
  request?(inputs: number, tokens: number): void;
  embedded?(count: number): void;
  deadLettered?(reason: FailureReason, count: number): void;
  requestFailed?(): void;
}

export type EmbedProcessConfig = Pick<
  EmbeddingConfig,
  'EMBEDDING_DIMENSIONS' | 'EMBEDDING_MAX_BATCH_INPUTS' | 'EMBEDDING_MAX_BATCH_TOKENS' | 'EMBEDDING_CONCURRENCY'
>;

export interface EmbedDeps {
  bus: EventBus;
  embedder: Embedder;
  logger: Logger;
  config: EmbedProcessConfig;
  now?: () => number;
  observer?: EmbedObserver;
  /**
   * Shared by every batch in flight, so EMBEDDING_CONCURRENCY bounds the
   * worker's requests, not each partition's. One per call when absent.
   */
  limiter?: Limiter;
}

interface RequestOutcome {
  embedded: { item: PendingChunk; vector: number[] }[];
  rejected: DeadLetter[];
}

/** The embedder's limits narrowed by configuration. */
export function batchLimits(embedder: Embedder, config: EmbedProcessConfig): BatchLimits {
  return { ...embedder.limits, maxInputs: config.EMBEDDING_MAX_BATCH_INPUTS, maxTokens: config.EMBEDDING_MAX_BATCH_TOKENS };
}

/**
 * Embeds one batch of chunks.processed messages and publishes embeddings.ready.
 * Poison, oversized and refused chunks are dead-lettered and the rest goes
 * on; a transient embedder or bus failure throws, so the whole batch comes
 * back (embeddings are idempotent by chunk_id downstream). Offsets are
 * resolved only after every output was published.
 */
export async function embedBatch(batch: MessageBatch, deps: EmbedDeps): Promise<void> {
  const last = batch.messages.at(-1);
  if (!last) return;
  const { pending, dead } = decodeChunks(batch.messages);
  deps.observer?.deadLettered?.('invalid', dead.length);
  const limits = batchLimits(deps.embedder, deps.config);
  const plan = planBatches(pending, limits);
  const perInput = effectiveLimits(limits).perInput;
  dead.push(...plan.oversized.map((o) => chunkDeadLetter(o, `${o.tokens} tokens, over the limit of ${perInput} tokens per input`)));
  deps.observer?.deadLettered?.('oversized', plan.oversized.length);
  const limiter = deps.limiter ?? createLimiter(deps.config.EMBEDDING_CONCURRENCY);
  const rejected = await mapWithLimiter(plan.batches, limiter, (items) => embedAndPublish(items, deps));
  dead.push(...rejected.flat());
  await publishDeadLetters(dead, deps);
  batch.resolveOffset(last.offset);
  deps.logger.debug({ partition: batch.partition, messages: batch.messages.length, requests: plan.batches.length, deadLettered: dead.length }, 'batch embedded');
}

async function embedAndPublish(items: PendingChunk[], deps: EmbedDeps): Promise<DeadLetter[]> {
  const outcome = await embedOrBisect(items, deps);
  if (outcome.embedded.length > 0) {
    const embeddedAt = (deps.now ?? Date.now)();
    const messages = outcome.embedded.map(({ item, vector }) => encode(Topics.embeddingsReady, readyPayload(item, vector, deps.embedder.model, embeddedAt)));
    await deps.bus.publish(Topics.embeddingsReady, messages);
    deps.observer?.embedded?.(messages.length);
  }
  deps.observer?.deadLettered?.('rejected', outcome.rejected.length);
  return outcome.rejected;
}

/**
 * Sends one request. When the API refuses it for what it carries, halves it
 * until the refused inputs stand alone, so one bad chunk does not sink the
 * others sent with it.
 */
async function embedOrBisect(items: PendingChunk[], deps: EmbedDeps): Promise<RequestOutcome> {
  let vectors: number[][];
  try {
    vectors = await requestVectors(items, deps);
  } catch (err) {
    if (!isPermanentEmbedError(err)) throw err;
    if (items.length === 1) return { embedded: [], rejected: [chunkDeadLetter(items[0]!, `refused by the embedder: ${describeError(err)}`)] };
    const mid = Math.ceil(items.length / 2);
    const first = await embedOrBisect(items.slice(0, mid), deps);
    const second = await embedOrBisect(items.slice(mid), deps);
    return { embedded: [...first.embedded, ...second.embedded], rejected: [...first.rejected, ...second.rejected] };
  }
  return { embedded: items.map((item, i) => ({ item, vector: vectors[i]! })), rejected: [] };
}

async function requestVectors(items: PendingChunk[], deps: EmbedDeps): Promise<number[][]> {
  deps.observer?.request?.(items.length, items.reduce((sum, i) => sum + i.tokens, 0));
  let vectors: number[][];
  try {
    vectors = await deps.embedder.embed(items.map((i) => i.chunk.text));
  } catch (err) {
    deps.observer?.requestFailed?.();
    throw new Error(`embeddings request of ${items.length} inputs failed`, { cause: err });
  }
  checkVectors(vectors, items.length, deps.config.EMBEDDING_DIMENSIONS);
  return vectors;
}

/** A wrong answer from the embedder is its fault, not the chunks': throw, never publish it. */
function checkVectors(vectors: number[][], inputs: number, dimensions: number): void {
  if (!Array.isArray(vectors) || vectors.length !== inputs) {
    throw new Error(`embedder returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${inputs} inputs`);
  }
  const bad = vectors.findIndex((v) => !Array.isArray(v) || v.length !== dimensions || !v.every(Number.isFinite));
  if (bad >= 0) {
    throw new Error(`embedder returned a vector of ${vectors[bad]?.length ?? 0} dimensions (or non-finite values) at ${bad}; expected ${dimensions}`);
  }
}

function readyPayload(item: PendingChunk, vector: number[], model: string, embeddedAt: number): EmbeddingReady {
  const { chunk_id, document_id, company_id, chunk_index, chunk_count } = item.chunk;
  return { chunk_id, document_id, company_id, vector, chunk_index, chunk_count, model, embedded_at: embeddedAt };
}

async function publishDeadLetters(dead: DeadLetter[], deps: EmbedDeps): Promise<void> {
  if (dead.length === 0) return;
  const messages: EncodedMessage[] = dead.map((d) =>
    dlqMessage({ stage: 'embedding', error: d.error, source: d.message, documentId: d.documentId, companyId: d.companyId }),
  );
  for (const d of dead) {
    deps.logger.warn({ documentId: d.documentId, offset: d.message.offset, partition: d.message.partition, error: d.error }, 'chunk dead-lettered');
  }
  await deps.bus.publish(Topics.documentsDlq, messages);
}
