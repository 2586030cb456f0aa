import {
  BASE_HELP,
  ConfigError,
  KAFKA_HELP,
  KAFKA_TOPICS_HELP,
  KafkaTopicsConfig,
  OPENAI_HELP,
  OPS_HOST_HELP,
  OpsHostConfig,
  parseConfig,
  type Logger,
  type VariableHelp,
} from '@docpipe/runtime';
import { KafkaConfig } from '@docpipe/runtime/kafka';
import { OpenAiConfig, openAiEmbedderOptions, type OpenAiEmbedderOptions } from '@docpipe/runtime/openai';
import { z } from 'zod';
import { EmbeddingConfig } from './config.js';

/**
 * The OpenAI adapter's own variables, less the three the worker already has:
 * EMBEDDING_MODEL (same meaning and default), EMBEDDING_DIMENSIONS (the
 * worker's is always a number, default 1536, and is what the adapter is given)
 * and OPENAI_CONCURRENCY (EMBEDDING_CONCURRENCY is the one knob). The key is
 * optional here: EMBEDDER=local needs none.
 */
const OpenAiFields = OpenAiConfig.omit({ EMBEDDING_MODEL: true, EMBEDDING_DIMENSIONS: true, OPENAI_CONCURRENCY: true }).extend({
  OPENAI_API_KEY: OpenAiConfig.shape.OPENAI_API_KEY.optional(),
});

/** The embedding worker as its own process: EmbeddingConfig, the embedder's choice and variables, Kafka, the ops address. */
export const EmbeddingMainConfig = EmbeddingConfig.extend({
  /** openai: the API (or OPENAI_BASE_URL); local: the deterministic LocalEmbedder, for dev clusters without a key. */
  EMBEDDER: z.enum(['openai', 'local']).default('openai'),
  ...OpenAiFields.shape,
  ...OpsHostConfig.shape,
  ...KafkaConfig.shape,
  ...KafkaTopicsConfig.shape,
});
export type EmbeddingMainConfig = z.infer<typeof EmbeddingMainConfig>;

/** One line of --help per variable of EmbeddingMainConfig. */
export const EMBEDDING_MAIN_HELP: VariableHelp<EmbeddingMainConfig> = {
  ...BASE_HELP,
  EMBEDDING_MODEL: 'model name sent to the API',
  EMBEDDING_DIMENSIONS: "vector size (sent to the API only when it differs from the model's native size)",
  EMBEDDING_MAX_BATCH_INPUTS: 'narrows the per-request input limit (2048)',
  EMBEDDING_MAX_BATCH_TOKENS: 'narrows the per-request token limit (300000)',
  EMBEDDING_CONCURRENCY: 'embeddings requests in flight at once',
  CONSUMER_MAX_BATCH: 'chunks taken from the bus per batch',
  OPS_PORT: 'port of /healthz, /readyz, /metrics (0: any free port)',
  EMBEDDER: 'openai, or local: deterministic vectors without a network (dev clusters without a key)',
  OPENAI_API_KEY: `${OPENAI_HELP.OPENAI_API_KEY}; required when EMBEDDER=openai`,
  OPENAI_BASE_URL: OPENAI_HELP.OPENAI_BASE_URL,
  OPENAI_MAX_RETRIES: OPENAI_HELP.OPENAI_MAX_RETRIES,
  OPENAI_TIMEOUT_MS: OPENAI_HELP.OPENAI_TIMEOUT_MS,
  ...OPS_HOST_HELP,
  ...KAFKA_HELP,
  AWS_REGION: "the MSK cluster's region, for KAFKA_SASL_MECHANISM=aws-iam",
  ...KAFKA_TOPICS_HELP,
};

/** Reads the embedding worker's process configuration; throws ConfigError naming every bad variable. */
export function loadEmbeddingMainConfig(env: NodeJS.ProcessEnv): EmbeddingMainConfig {
  const config = parseConfig(EmbeddingMainConfig, env);
  if (config.EMBEDDER === 'openai' && config.OPENAI_API_KEY === undefined) {
    throw new ConfigError(['OPENAI_API_KEY: required when EMBEDDER=openai (EMBEDDER=local embeds without a key), not set']);
  }
  return config;
}

/** The OpenAI embedder's options: model, size and concurrency are the worker's own variables. */
export function openAiOptionsOf(config: EmbeddingMainConfig, logger: Logger): OpenAiEmbedderOptions {
  if (config.OPENAI_API_KEY === undefined) throw new ConfigError(['OPENAI_API_KEY: required when EMBEDDER=openai, not set']);
  return openAiEmbedderOptions({ ...config, OPENAI_API_KEY: config.OPENAI_API_KEY, OPENAI_CONCURRENCY: config.EMBEDDING_CONCURRENCY }, logger);
}
