import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { chunkId } from '@docpipe/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create, describeRepository } from './document-repository.cases.js';
import { SqlDocumentRepository } from './document-repository.js';
import { openPgliteRepository, pgliteClient } from './pglite-client.js';

// The shared cases; test/stack/postgres.test.ts runs the same ones on PostgreSQL.
describeRepository('PGlite', async () => {
  const client = pgliteClient(await PGlite.create());
  const repo = new SqlDocumentRepository(client);
  await repo.migrate();
  return { repo, client };
});

describe('openPgliteRepository', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'docpipe-pglite-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('persists documents and progress across a reopen of the same dataDir', async () => {
    const first = await openPgliteRepository({ dataDir });
    const doc = await create(first);
    await first.recordChunks([{ document_id: doc.document_id, chunk_id: chunkId(doc.document_id, 0), chunk_index: 0, chunk_count: 2 }]);
    await first.close();
    expect(await first.ping()).toBe(false);

    const second = await openPgliteRepository({ dataDir });
    try {
      expect(await second.getDocument('acme', doc.document_id)).toMatchObject({ status: 'processing', chunks_total: 2 });
      // The chunk recorded before the reopen still counts: one more completes the document.
      await second.recordChunks([{ document_id: doc.document_id, chunk_id: chunkId(doc.document_id, 1), chunk_index: 1, chunk_count: 2 }]);
      expect((await second.getDocument('acme', doc.document_id))?.status).toBe('chunked');
      expect(await second.relayOutbox(10, async () => {})).toBe(1);
    } finally {
      await second.close();
    }
  });

  it('works in memory when no dataDir is given', async () => {
    const repo = await openPgliteRepository({});
    try {
      expect(await repo.countByStatus()).toEqual({ uploaded: 0, processing: 0, chunked: 0, embedded: 0, failed: 0 });
    } finally {
      await repo.close();
    }
  });
});
