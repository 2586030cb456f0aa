import { z } from 'zod';
import type { Logger } from '../../logging.js';
import type { OpenAiEmbedderOptions } from './embedder.js';

/**
 * The OpenAI embedder's environment, to merge into a service's schema:
 * `EmbeddingConfig.extend(OpenAiConfig.shape)`. OPENAI_BASE_URL unset means
 * api.openai.com; set it for the stand-in or any OpenAI-compatible endpoint.
 */
export const OpenAiConfig = z.object({
  OPENAI_API_KEY: z.string().min(1),
  OPENAI_BASE_URL: z.url().optional(),
  EMBEDDING_MODEL: z.string().min(1).default('text-embedding-3-small'),
  /** Unset: the model's native size (required for models the adapter does not know). */
  EMBEDDING_DIMENSIONS: z.coerce.number().int().positive().optional(),
  /** Retries of one request inside the SDK (429 honouring retry-after, 5xx and connection errors with backoff). */
  OPENAI_MAX_RETRIES: z.coerce.number().int().min(0).default(8),
  /** Per attempt. */
  OPENAI_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  /** Requests in flight at once across every embed() call of the process. */
  OPENAI_CONCURRENCY: z.coerce.number().int().positive().default(4),
});
export type OpenAiConfig = z.infer<typeof OpenAiConfig>;

/** OpenAiEmbedder options from a parsed OpenAiConfig. */
export function openAiEmbedderOptions(config: OpenAiConfig, logger?: Logger): OpenAiEmbedderOptions {
  return {
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    model: config.EMBEDDING_MODEL,
    dimensions: config.EMBEDDING_DIMENSIONS,
    maxRetries: config.OPENAI_MAX_RETRIES,
    timeoutMs: config.OPENAI_TIMEOUT_MS,
    concurrency: config.OPENAI_CONCURRENCY,
    logger,
  };
}
