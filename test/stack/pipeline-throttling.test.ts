import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { GOOD_FIXTURES } from '../../services/docproc/test/fixtures/index.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mapLimit, Pipeline, textDocument, until } from './pipeline.js';

let pipeline: Pipeline;

beforeAll(async () => {
  pipeline = await Pipeline.start({
    tag: 'throttle',
    standin: { rate429: 0.3, retryAfterMs: 20 },
    env: {
      // Chunks as large as an input may be, and consumed batches far past one request's token limit,
      // so the worker has to split within OpenAI's limits for every request to be accepted.
      docproc: { CHUNK_MAX_TOKENS: '8192', CHUNK_OVERLAP_TOKENS: '64' },
      embedding: { CONSUMER_MAX_BATCH: '2048' },
    },
  });
});
afterAll(async () => {
  await pipeline?.dispose();
});
beforeEach(({ onTestFailed }) => onTestFailed(() => pipeline?.reportFailure()));

describe('OpenAI answering 30% of requests with 429', () => {
  it('still takes every document to embedded, every request within the limits', async () => {
    const fixtures = await Promise.all(Object.values(GOOD_FIXTURES).map(async (f) => ({ name: basename(f.path), bytes: await readFile(f.path) })));
    const large = Array.from({ length: 16 }, (_, i) => ({ name: `large-${i}.txt`, bytes: textDocument(5_000 + i, 45_000) }));
    // The embedding worker waits until every chunk is on the bus, so it then takes batches far past one request.
    await pipeline.processes.kill('embedding', 'SIGTERM');
    const ids = await mapLimit([...fixtures, ...large], 3, (f) => pipeline.accepted(f.name, f.bytes));
    await until(async () => (await pipeline.rows(ids)).every((r) => r.status === 'chunked'), 'every document chunked');
    await pipeline.startService('embedding');
    // Then small ones while it runs: many requests of a few inputs each.
    const small = Array.from({ length: 24 }, (_, i) => ({ name: `small-${i}.txt`, bytes: textDocument(6_000 + i, 600) }));
    ids.push(...(await mapLimit(small, 2, (f) => pipeline.accepted(f.name, f.bytes))));

    const rows = await pipeline.waitFinal(ids, 240_000);
    expect(rows.filter((r) => r.status !== 'embedded').map((r) => `${r.filename}: ${r.status} ${r.error}`)).toEqual([]);
    for (const row of rows) {
      expect(row.chunks_total, row.filename).toBeGreaterThan(0);
      expect(row.chunks_embedded, row.filename).toBe(row.chunks_total);
    }

    const stats = pipeline.standin.stats();
    // The load was worth splitting: more tokens than one request may carry.
    expect(stats.totalTokens).toBeGreaterThan(300_000);
    expect(stats.status429).toBeGreaterThan(0);
    expect(stats.retries).toBeGreaterThan(0);
    // The stand-in answers 400 to a request over 2048 inputs, 300,000 tokens, or 8192 tokens in one input:
    // none came, and the largest it served stayed within the limits.
    expect(stats.status4xx).toBe(0);
    expect(stats.status5xx).toBe(0);
    expect(stats.maxInputs).toBeLessThanOrEqual(2048);
    expect(stats.maxTokens).toBeLessThanOrEqual(300_000);
    expect(stats.maxTokens).toBeGreaterThan(8192);
  }, 300_000); // above the polling bounds inside, so a stuck run fails with their message and the logs
});
