import { BaseConfig, parseConfig } from '@docpipe/runtime';
import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The embedding worker's configuration, read once in main. */
export const EmbeddingConfig = BaseConfig.extend({
  EMBEDDING_MODEL: z.string().min(1).default('text-embedding-3-small'),
  EMBEDDING_DIMENSIONS: positiveInt(1536),
  /** Narrows the embedder's own per-request input limit (never widens it). */
  EMBEDDING_MAX_BATCH_INPUTS: positiveInt(2048),
  /** Narrows the embedder's own per-request token limit (never widens it). */
  EMBEDDING_MAX_BATCH_TOKENS: positiveInt(300_000),
  /** Embeddings requests in flight at once per consumed batch. */
  EMBEDDING_CONCURRENCY: positiveInt(4),
  CONSUMER_MAX_BATCH: positiveInt(500),
  OPS_PORT: z.coerce.number().int().min(0).max(65_535).default(9091),
});
export type EmbeddingConfig = z.infer<typeof EmbeddingConfig>;

/** Parses the embedding worker's configuration; throws naming each bad variable. */
export function loadEmbeddingConfig(env: NodeJS.ProcessEnv): EmbeddingConfig {
  return parseConfig(EmbeddingConfig, env);
}
