import { availableParallelism } from 'node:os';
import { BaseConfig, ConfigError, parseConfig } from '@docpipe/runtime';
import { z } from 'zod';
import { MAX_CHUNK_TOKENS, MIN_CHUNK_TOKENS, type ChunkOptions } from './chunker.js';
import type { ExtractLimits } from './extract/types.js';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const DocprocFields = BaseConfig.extend({
  CHUNK_MAX_TOKENS: z.coerce.number().int().min(MIN_CHUNK_TOKENS).max(MAX_CHUNK_TOKENS).default(512),
  CHUNK_OVERLAP_TOKENS: z.coerce.number().int().min(0).default(64),
  /** Larger objects are refused (to documents.dlq) without being read further. */
  MAX_DOCUMENT_BYTES: positiveInt(100 * 1024 * 1024),
  DOCX_MAX_INFLATED_BYTES: positiveInt(50 * 1024 * 1024),
  DOCX_MAX_ZIP_ENTRIES: positiveInt(10_000),
  DOCX_MAX_COMPRESSION_RATIO: positiveInt(200),
  EXTRACT_TIMEOUT_MS: positiveInt(60_000),
  EXTRACT_MAX_HEAP_MB: z.coerce.number().int().min(32).default(512),
  /** pdf.js worker threads a long PDF is split across; each may use EXTRACT_MAX_HEAP_MB. */
  EXTRACT_WORKERS: z.coerce.number().int().min(1).max(16).default(Math.min(availableParallelism(), 4)),
  PDF_EXTRACTOR: z.enum(['pdfjs', 'pdftotext', 'auto']).default('auto'),
  OPS_PORT: z.coerce.number().int().min(0).max(65_535).default(9090),
});

const OVERLAP_PROBLEM = 'must be below CHUNK_MAX_TOKENS';

/** The docproc worker's configuration, read once in main. */
export const DocprocConfig = DocprocFields.refine((c) => c.CHUNK_OVERLAP_TOKENS < c.CHUNK_MAX_TOKENS, {
  message: OVERLAP_PROBLEM,
  path: ['CHUNK_OVERLAP_TOKENS'],
});
export type DocprocConfig = z.infer<typeof DocprocConfig>;

/** Parses the docproc worker's configuration; throws ConfigError naming each bad variable. */
export function loadDocprocConfig(env: NodeJS.ProcessEnv): DocprocConfig {
  // The cross-field rule is checked here too: parseConfig words every problem
  // of a numeric variable as its range, which would hide what is wrong.
  const config = parseConfig(DocprocFields, env);
  if (config.CHUNK_OVERLAP_TOKENS >= config.CHUNK_MAX_TOKENS) {
    throw new ConfigError([`CHUNK_OVERLAP_TOKENS: ${OVERLAP_PROBLEM} (${config.CHUNK_MAX_TOKENS}), got ${config.CHUNK_OVERLAP_TOKENS}`]);
  }
  return config;
}

/** The chunker's options from configuration. */
export function chunkOptionsOf(config: DocprocConfig): ChunkOptions {
  return { maxTokens: config.CHUNK_MAX_TOKENS, overlapTokens: config.CHUNK_OVERLAP_TOKENS };
}

/** The extraction limits from configuration. */
export function extractLimitsOf(config: DocprocConfig): ExtractLimits {
  return {
    maxInflatedBytes: config.DOCX_MAX_INFLATED_BYTES,
    maxZipEntries: config.DOCX_MAX_ZIP_ENTRIES,
    maxCompressionRatio: config.DOCX_MAX_COMPRESSION_RATIO,
    timeoutMs: config.EXTRACT_TIMEOUT_MS,
    maxHeapMb: config.EXTRACT_MAX_HEAP_MB,
    pdfExtractor: config.PDF_EXTRACTOR,
    pdfWorkers: config.EXTRACT_WORKERS,
  };
}
