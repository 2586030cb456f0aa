import { ArchiveConfig, WindowCounterConfig } from '@docpipe/analytics';
import { loadDocprocConfig } from '@docpipe/docproc';
import { loadEmbeddingConfig } from '@docpipe/embedding';
import { loadGatewayConfig } from '@docpipe/gateway';
import { loadIngestConfig } from '@docpipe/ingest';
import { BaseConfig, parseConfig } from '@docpipe/runtime';
import { z } from 'zod';

/** Local mode's own variables; everything else passes through to each service's loader. */
export const LocalConfig = BaseConfig.extend({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  DOCPIPE_DATA_DIR: z.string().min(1).default('./.docpipe'),
  EMBEDDING_DIMENSIONS: z.coerce.number().int().positive().default(1536),
})
  // The archive goes to <data>/archive/topics, in the HDFS sink's layout (npm run report reads it).
  .extend(ArchiveConfig.shape)
  .extend(WindowCounterConfig.shape);
export type LocalConfig = z.infer<typeof LocalConfig>;

/** The configuration of every service local mode runs, read from one environment. */
export interface LocalSettings {
  local: LocalConfig;
  ingest: ReturnType<typeof loadIngestConfig>;
  docproc: ReturnType<typeof loadDocprocConfig>;
  embedding: ReturnType<typeof loadEmbeddingConfig>;
  gateway: ReturnType<typeof loadGatewayConfig>;
}

/** Stands in for ingest's address until ingest listens; replaced before the gateway starts. */
const INGEST_URL_PLACEHOLDER = 'http://127.0.0.1:1';

/**
 * Reads local mode's configuration and each service's own from the same
 * environment, so every variable a service documents works here too — except
 * where local mode must decide: ingest listens on a free loopback port behind
 * the gateway, and the gateway takes HOST/PORT. Throws ConfigError naming every
 * bad variable, before anything is opened.
 */
export function loadLocalConfig(env: NodeJS.ProcessEnv = process.env): LocalSettings {
  const local = parseConfig(LocalConfig, env);
  const dimensions = String(local.EMBEDDING_DIMENSIONS);
  return {
    local,
    ingest: loadIngestConfig({ ...env, HOST: '127.0.0.1', PORT: '0' }),
    docproc: loadDocprocConfig({ ...env }),
    embedding: loadEmbeddingConfig({ ...env, EMBEDDING_DIMENSIONS: dimensions }),
    gateway: loadGatewayConfig({ ...env, HOST: local.HOST, PORT: String(local.PORT), INGEST_URL: INGEST_URL_PLACEHOLDER }),
  };
}
