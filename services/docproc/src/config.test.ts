import { availableParallelism } from 'node:os';
import { ConfigError } from '@docpipe/runtime';
import { describe, expect, it } from 'vitest';
import { chunkOptionsOf, DocprocConfig, extractLimitsOf, loadDocprocConfig } from './config.js';

describe('loadDocprocConfig', () => {
  it('has the documented defaults', () => {
    const config = loadDocprocConfig({});
    expect(config).toMatchObject({
      CHUNK_MAX_TOKENS: 512,
      CHUNK_OVERLAP_TOKENS: 64,
      MAX_DOCUMENT_BYTES: 104_857_600,
      DOCX_MAX_INFLATED_BYTES: 52_428_800,
      EXTRACT_TIMEOUT_MS: 60_000,
      EXTRACT_MAX_HEAP_MB: 512,
      OPS_PORT: 9090,
      LOG_LEVEL: 'info',
    });
    expect(chunkOptionsOf(config)).toEqual({ maxTokens: 512, overlapTokens: 64 });
    expect(extractLimitsOf(config)).toEqual({
      maxInflatedBytes: 52_428_800,
      maxZipEntries: 10_000,
      maxCompressionRatio: 200,
      timeoutMs: 60_000,
      maxHeapMb: 512,
      pdfExtractor: 'auto',
      pdfWorkers: Math.min(availableParallelism(), 4),
    });
  });

  it('reads the PDF extractor and its worker count', () => {
    const config = loadDocprocConfig({ PDF_EXTRACTOR: 'pdfjs', EXTRACT_WORKERS: '2' });
    expect(extractLimitsOf(config)).toMatchObject({ pdfExtractor: 'pdfjs', pdfWorkers: 2 });
    expect(() => loadDocprocConfig({ PDF_EXTRACTOR: 'poppler' })).toThrow(/PDF_EXTRACTOR/);
    expect(() => loadDocprocConfig({ EXTRACT_WORKERS: '0' })).toThrow(/EXTRACT_WORKERS/);
  });

  it('reads numbers from the environment', () => {
    expect(loadDocprocConfig({ CHUNK_MAX_TOKENS: '256', CHUNK_OVERLAP_TOKENS: '0', OPS_PORT: '0' })).toMatchObject({
      CHUNK_MAX_TOKENS: 256,
      CHUNK_OVERLAP_TOKENS: 0,
      OPS_PORT: 0,
    });
  });

  it('refuses an overlap that is not below the chunk size, naming the variable', () => {
    expect(() => loadDocprocConfig({ CHUNK_MAX_TOKENS: '64', CHUNK_OVERLAP_TOKENS: '64' })).toThrow("invalid configuration: CHUNK_OVERLAP_TOKENS: must be below CHUNK_MAX_TOKENS (64), got 64");
  });

  it('refuses chunks too small to hold anything', () => {
    const err = (() => {
      try {
        loadDocprocConfig({ CHUNK_MAX_TOKENS: '8' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/CHUNK_MAX_TOKENS: expected integer ≥ 16/);
  });
});

describe('DocprocConfig', () => {
  it('carries the overlap rule in the schema itself', () => {
    expect(DocprocConfig.safeParse({ CHUNK_MAX_TOKENS: 64, CHUNK_OVERLAP_TOKENS: 64 }).success).toBe(false);
    expect(DocprocConfig.safeParse({ CHUNK_MAX_TOKENS: 64, CHUNK_OVERLAP_TOKENS: 63 }).success).toBe(true);
  });
});
