import { BASE_HELP, KAFKA_HELP, KAFKA_TOPICS_HELP, KafkaTopicsConfig, parseConfig, POSTGRES_HELP, S3_HELP, type VariableHelp } from '@docpipe/runtime';
import { KafkaConfig } from '@docpipe/runtime/kafka';
import { PostgresConfig } from '@docpipe/runtime/postgres';
import { S3Config } from '@docpipe/runtime/s3';
import type { z } from 'zod';
import { IngestConfig } from './config.js';

/**
 * Ingest as its own process: IngestConfig plus the Kafka, S3 and PostgreSQL
 * adapters' variables. AWS_REGION is in two fragments — optional in Kafka's
 * (MSK IAM), required in S3's — and S3's wins: one region serves both.
 */
export const IngestMainConfig = IngestConfig.extend({
  ...KafkaConfig.shape,
  ...KafkaTopicsConfig.shape,
  ...PostgresConfig.shape,
  ...S3Config.shape,
});
export type IngestMainConfig = z.infer<typeof IngestMainConfig>;

/** One line of --help per variable of IngestMainConfig. */
export const INGEST_MAIN_HELP: VariableHelp<IngestMainConfig> = {
  ...BASE_HELP,
  HOST: 'listen address',
  PORT: 'listen port (0: any free port)',
  MAX_UPLOAD_BYTES: 'largest accepted file (413 above)',
  DEFAULT_COMPANY_ID: 'company of requests without X-Company-ID',
  OUTBOX_POLL_MS: 'how often the outbox relay looks for work it was not woken for',
  OUTBOX_BATCH_SIZE: 'outbox messages relayed per transaction',
  ...KAFKA_HELP,
  ...KAFKA_TOPICS_HELP,
  ...POSTGRES_HELP,
  ...S3_HELP,
};

/** Reads ingest's process configuration; throws ConfigError naming every bad variable. */
export function loadIngestMainConfig(env: NodeJS.ProcessEnv): IngestMainConfig {
  return parseConfig(IngestMainConfig, env);
}
