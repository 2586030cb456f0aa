import { createLogger, createRegistry, type DocumentRepository } from '@docpipe/runtime';
import { describe, expect, it } from 'vitest';
import { createIngestMetrics } from './metrics.js';

const counts = { uploaded: 2, processing: 1, chunked: 0, embedded: 5, failed: 1 };
const repo = { countByStatus: async () => counts } as unknown as DocumentRepository;
const logger = createLogger({ name: 'test', level: 'silent' });

describe('createIngestMetrics', () => {
  it('reports documents by status at scrape time', async () => {
    const registry = createRegistry('ingest');
    createIngestMetrics(registry, repo, logger);
    const text = await registry.metrics();
    expect(text).toMatch(/docpipe_documents\{status="embedded",service="ingest"\} 5/);
    expect(text).toMatch(/docpipe_documents\{status="failed",service="ingest"\} 1/);
  });

  it('reuses its metrics when called twice on one registry', () => {
    const registry = createRegistry('local');
    const first = createIngestMetrics(registry, repo, logger);
    const second = createIngestMetrics(registry, repo, logger);
    expect(second.uploads).toBe(first.uploads);
  });

  it('keeps /metrics working while the database is away', async () => {
    const registry = createRegistry('ingest');
    const down = { countByStatus: async () => Promise.reject(new Error('down')) } as unknown as DocumentRepository;
    createIngestMetrics(registry, down, logger);
    await expect(registry.metrics()).resolves.toContain('docpipe_documents');
  });
});
