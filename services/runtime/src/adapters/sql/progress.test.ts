import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { Topics, chunkId, encode } from '@docpipe/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChunkProgress } from '../../ports/document-repository.js';
import { SqlDocumentRepository } from './document-repository.js';
import { pgliteClient } from './pglite-client.js';
import type { SqlClient } from './sql-client.js';

function chunks(documentId: string, count: number, indexes = [...Array(count).keys()]): ChunkProgress[] {
  return indexes.map((i) => ({ document_id: documentId, chunk_id: chunkId(documentId, i), chunk_index: i, chunk_count: count }));
}

describe('recordChunks / recordEmbeddings', () => {
  let client: SqlClient;
  let repo: SqlDocumentRepository;

  beforeAll(async () => {
    client = pgliteClient(await PGlite.create());
    repo = new SqlDocumentRepository(client);
    await repo.migrate();
  });
  beforeEach(async () => {
    await client.query('TRUNCATE documents, document_chunks, outbox', []);
  });
  afterAll(async () => {
    await repo.close();
  });

  async function createDoc(): Promise<string> {
    const id = randomUUID();
    const doc = {
      document_id: id,
      company_id: 'acme',
      filename: 'a.txt',
      content_type: 'text/plain',
      size_bytes: 10,
      sha256: 'b'.repeat(64),
      s3_path: `s3://bucket/acme/${id}/a.txt`,
    };
    const message = encode(Topics.documentsRaw, { ...doc, uploaded_at: 0 });
    await repo.createDocument(doc, { topic: Topics.documentsRaw, message });
    return id;
  }

  async function state(id: string) {
    const view = await repo.getDocument('acme', id);
    return { status: view?.status, chunks_total: view?.chunks_total, chunks_embedded: view?.chunks_embedded };
  }

  it('walks processing → chunked → embedded as chunks, then embeddings, arrive', async () => {
    const id = await createDoc();
    await repo.recordChunks(chunks(id, 3, [0, 1]));
    expect(await state(id)).toEqual({ status: 'processing', chunks_total: 3, chunks_embedded: 0 });
    await repo.recordChunks(chunks(id, 3, [2]));
    expect(await state(id)).toEqual({ status: 'chunked', chunks_total: 3, chunks_embedded: 0 });
    await repo.recordEmbeddings(chunks(id, 3, [0, 2]));
    expect(await state(id)).toEqual({ status: 'chunked', chunks_total: 3, chunks_embedded: 2 });
    await repo.recordEmbeddings(chunks(id, 3, [1]));
    expect(await state(id)).toEqual({ status: 'embedded', chunks_total: 3, chunks_embedded: 3 });
  });

  it('keeps counts exact when the same chunks and embeddings are delivered again', async () => {
    const id = await createDoc();
    await repo.recordChunks(chunks(id, 4, [0, 1]));
    await repo.recordChunks(chunks(id, 4, [0, 1]));
    await repo.recordEmbeddings(chunks(id, 4, [0]));
    await repo.recordEmbeddings(chunks(id, 4, [0]));
    expect(await state(id)).toEqual({ status: 'processing', chunks_total: 4, chunks_embedded: 1 });
    const rows = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM document_chunks WHERE document_id = $1', [id]);
    expect(rows.rows[0]?.n).toBe(2);
  });

  it('counts embeddings that overtake their chunks.processed, and does not stop at chunked', async () => {
    const id = await createDoc();
    await repo.recordEmbeddings(chunks(id, 2, [1]));
    expect(await state(id)).toEqual({ status: 'processing', chunks_total: 2, chunks_embedded: 1 });
    await repo.recordChunks(chunks(id, 2));
    expect(await state(id)).toEqual({ status: 'chunked', chunks_total: 2, chunks_embedded: 1 });
    await repo.recordEmbeddings(chunks(id, 2, [0]));
    expect(await state(id)).toEqual({ status: 'embedded', chunks_total: 2, chunks_embedded: 2 });
    // chunks.processed redelivered after the document is embedded: nothing moves back.
    await repo.recordChunks(chunks(id, 2));
    expect(await state(id)).toEqual({ status: 'embedded', chunks_total: 2, chunks_embedded: 2 });
  });

  it('reaches embedded from embeddings alone, and a late chunks.processed does not clear them', async () => {
    const id = await createDoc();
    await repo.recordEmbeddings(chunks(id, 2));
    expect(await state(id)).toEqual({ status: 'embedded', chunks_total: 2, chunks_embedded: 2 });
    await repo.recordChunks(chunks(id, 2, [0]));
    const flags = await client.query<{ chunked: boolean; embedded: boolean }>(
      'SELECT chunked, embedded FROM document_chunks WHERE document_id = $1 ORDER BY chunk_index',
      [id],
    );
    expect(flags.rows).toEqual([
      { chunked: true, embedded: true },
      { chunked: false, embedded: true },
    ]);
    expect(await state(id)).toEqual({ status: 'embedded', chunks_total: 2, chunks_embedded: 2 });
  });

  it('handles one batch mixing many documents, repeats and interleaved kinds', async () => {
    const [a, b] = [await createDoc(), await createDoc()];
    // Ten chunks each, the batch repeats every chunk and interleaves the two documents.
    const batch = [...chunks(a, 10), ...chunks(b, 10)].flatMap((c) => [c, c]).sort((x, y) => x.chunk_index - y.chunk_index);
    expect(await repo.recordChunks(batch)).toEqual({ unknown: [] });
    await repo.recordEmbeddings([...chunks(b, 10, [9, 3, 3, 0]), ...chunks(a, 10, [5])]);
    expect(await state(a)).toEqual({ status: 'chunked', chunks_total: 10, chunks_embedded: 1 });
    expect(await state(b)).toEqual({ status: 'chunked', chunks_total: 10, chunks_embedded: 3 });
  });

  it('gives the same result for every interleaving of chunks and embeddings', async () => {
    const events = [
      ...[0, 1, 2].map((index) => ({ kind: 'chunk' as const, index })),
      ...[0, 1, 2].map((index) => ({ kind: 'embedding' as const, index })),
    ];
    // Several orders, each with every event delivered twice.
    const orders = [events, [...events].reverse(), [events[3]!, events[0]!, events[5]!, events[1]!, events[4]!, events[2]!]];
    for (const order of orders) {
      const id = await createDoc();
      let lastRank = 0;
      for (const event of [...order, ...order]) {
        const progress = chunks(id, 3, [event.index]);
        await (event.kind === 'chunk' ? repo.recordChunks(progress) : repo.recordEmbeddings(progress));
        const rank = ['uploaded', 'processing', 'chunked', 'embedded'].indexOf((await state(id)).status!);
        expect(rank).toBeGreaterThanOrEqual(lastRank);
        lastRank = rank;
      }
      expect(await state(id)).toEqual({ status: 'embedded', chunks_total: 3, chunks_embedded: 3 });
    }
  });

  it('reports unknown and malformed document ids and records the rest', async () => {
    const id = await createDoc();
    const ghost = randomUUID();
    const result = await repo.recordChunks([...chunks(ghost, 2), ...chunks(id, 1), { ...chunks(id, 1)[0]!, document_id: 'nope' }]);
    expect(result).toEqual({ unknown: ['nope', ghost] });
    expect(await state(id)).toEqual({ status: 'chunked', chunks_total: 1, chunks_embedded: 0 });
    expect(await repo.recordEmbeddings(chunks(ghost, 1))).toEqual({ unknown: [ghost] });
    expect(await repo.recordEmbeddings([])).toEqual({ unknown: [] });
  });

  it('matches document ids case-insensitively, as uuids are', async () => {
    const id = await createDoc();
    expect(await repo.recordChunks(chunks(id.toUpperCase(), 1))).toEqual({ unknown: [] });
    expect(await state(id)).toMatchObject({ status: 'chunked' });
  });

  it('lets a failed document ignore later progress', async () => {
    const id = await createDoc();
    await repo.recordChunks(chunks(id, 2, [0]));
    await repo.markFailed(id, 'extraction failed');
    await repo.recordChunks(chunks(id, 2, [1]));
    await repo.recordEmbeddings(chunks(id, 2));
    expect(await repo.getDocument('acme', id)).toMatchObject({
      status: 'failed',
      error: 'extraction failed',
      chunks_total: 2,
      chunks_embedded: 0,
    });
  });

  it('leaves updated_at alone when a redelivery changes nothing', async () => {
    const id = await createDoc();
    await repo.recordChunks(chunks(id, 1));
    await client.query("UPDATE documents SET updated_at = timestamptz '2024-01-01T00:00:00Z' WHERE id = $1", [id]);
    await repo.recordChunks(chunks(id, 1));
    expect((await repo.getDocument('acme', id))?.updated_at).toBe('2024-01-01T00:00:00.000Z');
  });
});
