import { CompanyId, DEFAULT_COMPANY_ID } from '@docpipe/contracts';
import { BaseConfig, parseConfig } from '@docpipe/runtime';
import { z } from 'zod';

/** Ingest's environment (DESIGN §4): where it listens, the upload limit, the outbox relay's pace. */
export const IngestConfig = BaseConfig.extend({
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(104_857_600),
  DEFAULT_COMPANY_ID: CompanyId.default(DEFAULT_COMPANY_ID),
  OUTBOX_POLL_MS: z.coerce.number().int().positive().default(500),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(100),
});
export type IngestConfig = z.infer<typeof IngestConfig>;

/** Reads ingest's configuration from `env`; throws ConfigError naming every bad variable. */
export function loadIngestConfig(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  return parseConfig(IngestConfig, env);
}
