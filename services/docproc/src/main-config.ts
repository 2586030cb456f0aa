import {
  BASE_HELP,
  BaseConfig,
  KAFKA_HELP,
  KAFKA_TOPICS_HELP,
  KafkaTopicsConfig,
  OPS_HOST_HELP,
  OpsHostConfig,
  parseConfig,
  S3_HELP,
  type VariableHelp,
} from '@docpipe/runtime';
import { KafkaConfig } from '@docpipe/runtime/kafka';
import { S3Config } from '@docpipe/runtime/s3';
import type { z } from 'zod';
import { DocprocConfig, loadDocprocConfig } from './config.js';

/**
 * docproc as its own process: DocprocConfig plus the Kafka and S3 adapters'
 * variables and the ops server's address. AWS_REGION is S3's (required); the
 * MSK IAM mechanism uses the same region.
 */
export const DocprocMainConfig = BaseConfig.extend({
  ...DocprocConfig.shape,
  ...OpsHostConfig.shape,
  ...KafkaConfig.shape,
  ...KafkaTopicsConfig.shape,
  ...S3Config.shape,
});
export type DocprocMainConfig = z.infer<typeof DocprocMainConfig>;

/** One line of --help per variable of DocprocMainConfig. */
export const DOCPROC_MAIN_HELP: VariableHelp<DocprocMainConfig> = {
  ...BASE_HELP,
  CHUNK_MAX_TOKENS: 'largest chunk, in cl100k_base tokens (16–8192)',
  CHUNK_OVERLAP_TOKENS: 'tokens a chunk repeats from the previous one (below CHUNK_MAX_TOKENS)',
  MAX_DOCUMENT_BYTES: 'larger objects are dead-lettered unread',
  DOCX_MAX_INFLATED_BYTES: 'a DOCX inflating past this fails (zip bomb)',
  DOCX_MAX_ZIP_ENTRIES: 'a DOCX with more zip entries fails',
  DOCX_MAX_COMPRESSION_RATIO: 'an entry compressed more than this fails',
  EXTRACT_TIMEOUT_MS: 'time limit of one PDF extraction',
  EXTRACT_MAX_HEAP_MB: 'heap limit of the PDF extraction worker',
  EXTRACT_WORKERS: 'pdf.js worker threads a long PDF is split across (each may use EXTRACT_MAX_HEAP_MB)',
  PDF_EXTRACTOR: 'pdfjs (in-process), pdftotext (poppler subprocess) or auto (pdftotext when on PATH, else pdf.js)',
  OPS_PORT: 'port of /healthz, /readyz, /metrics (0: any free port)',
  ...OPS_HOST_HELP,
  ...KAFKA_HELP,
  ...KAFKA_TOPICS_HELP,
  ...S3_HELP,
};

/** Reads docproc's process configuration, cross-field rules included; throws ConfigError. */
export function loadDocprocMainConfig(env: NodeJS.ProcessEnv): DocprocMainConfig {
  const config = parseConfig(DocprocMainConfig, env);
  // Every field is valid by now; this adds docproc's own rule (overlap below the chunk size), worded by docproc.
  loadDocprocConfig(env);
  return config;
}
