// The behaviour every SqlClient must give SqlDocumentRepository: run on PGlite by
// document-repository.test.ts and on PostgreSQL by test/stack/postgres.test.ts.
import { randomUUID } from 'node:crypto';
import { Topics, chunkId, encode } from '@docpipe/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NewDocument, OutboxMessage } from '../../ports/document-repository.js';
import { InvalidCursorError } from './cursor.js';
import type { SqlDocumentRepository } from './document-repository.js';
import type { SqlClient } from './sql-client.js';

/** A migrated repository and the client under it (tests reset and tweak rows through the client). */
export interface RepositoryUnderTest {
  repo: SqlDocumentRepository;
  client: SqlClient;
}

type Get = () => RepositoryUnderTest;

/** A document row as ingest would create it. */
export function newDoc(companyId = 'acme', id = randomUUID()): NewDocument {
  return {
    document_id: id,
    company_id: companyId,
    filename: 'report.pdf',
    content_type: 'application/pdf',
    size_bytes: 1234,
    sha256: 'a'.repeat(64),
    s3_path: `s3://bucket/${companyId}/${id}/report.pdf`,
  };
}

/** The documents.raw outbox message of `doc`. */
export function rawMessage(doc: NewDocument) {
  const message = encode(
    Topics.documentsRaw,
    { ...doc, uploaded_at: 1_700_000_000_000 },
    { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  );
  return { topic: Topics.documentsRaw, message };
}

/** Creates `doc` with its outbox message. */
export async function create(repo: SqlDocumentRepository, doc = newDoc()): Promise<NewDocument> {
  await repo.createDocument(doc, rawMessage(doc));
  return doc;
}

async function outboxCount(client: SqlClient): Promise<number | undefined> {
  return (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox', [])).rows[0]?.n;
}

/**
 * Registers the repository behaviour suite under `SqlDocumentRepository on <name>`.
 * `open` runs once; tables are truncated before each case; the repository is closed at the end.
 */
export function describeRepository(name: string, open: () => Promise<RepositoryUnderTest>): void {
  describe(`SqlDocumentRepository on ${name}`, () => {
    let under: RepositoryUnderTest;
    const get: Get = () => under;
    beforeAll(async () => {
      under = await open();
    });
    beforeEach(async () => {
      await under.client.query('TRUNCATE documents, document_chunks, outbox', []);
    });
    afterAll(async () => {
      await under?.repo.close();
    });

    describeCreate(get);
    describe('relayOutbox', () => describeRelay(get));
    describe('markFailed', () => describeMarkFailed(get));
    describe('listDocuments', () => describeList(get));
    describeCounts(get);
  });
}

function describeCreate(get: Get): void {
  it('creates the document as uploaded together with its outbox message', async () => {
    const { repo, client } = get();
    const doc = await create(repo);
    const view = await repo.getDocument('acme', doc.document_id);
    expect(view).toMatchObject({
      document_id: doc.document_id,
      company_id: 'acme',
      filename: 'report.pdf',
      status: 'uploaded',
      chunks_total: 0,
      chunks_embedded: 0,
      error: null,
    });
    expect(new Date(view!.created_at).toISOString()).toBe(view!.created_at);
    expect(await outboxCount(client)).toBe(1);
  });

  it('treats a repeated create of the same id as a no-op (no second outbox row)', async () => {
    const { repo, client } = get();
    const doc = await create(repo);
    await create(repo, { ...doc, filename: 'other.pdf' });
    expect((await repo.getDocument('acme', doc.document_id))?.filename).toBe('report.pdf');
    expect(await outboxCount(client)).toBe(1);
  });

  it('hides documents of other companies and unknown or malformed ids', async () => {
    const { repo } = get();
    const doc = await create(repo);
    expect(await repo.getDocument('globex', doc.document_id)).toBeNull();
    expect(await repo.getDocument('acme', randomUUID())).toBeNull();
    expect(await repo.getDocument('acme', 'not-a-uuid')).toBeNull();
  });
}

function describeRelay(get: Get): void {
  const collect = (keys: string[]) => async (messages: OutboxMessage[]) => void keys.push(...messages.map((m) => m.message.key));

  it('publishes the encoded message byte for byte, deletes it and moves the document to processing', async () => {
    const { repo } = get();
    const doc = await create(repo);
    const sent: OutboxMessage[] = [];
    expect(await repo.relayOutbox(10, async (messages) => void sent.push(...messages))).toBe(1);
    const expected = rawMessage(doc);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.topic).toBe(Topics.documentsRaw);
    expect(sent[0]?.message.key).toBe(doc.document_id);
    expect(Buffer.isBuffer(sent[0]?.message.value)).toBe(true);
    expect(sent[0]?.message.value.equals(expected.message.value)).toBe(true);
    expect(sent[0]?.message.headers).toEqual(expected.message.headers);
    expect((await repo.getDocument('acme', doc.document_id))?.status).toBe('processing');
    expect(await repo.relayOutbox(10, async () => expect.fail('nothing left to publish'))).toBe(0);
  });

  it('relays in creation order, at most `limit` at a time', async () => {
    const { repo } = get();
    const docs = [];
    for (let i = 0; i < 5; i++) docs.push(await create(repo));
    const keys: string[] = [];
    expect(await repo.relayOutbox(2, collect(keys))).toBe(2);
    expect(await repo.relayOutbox(2, collect(keys))).toBe(2);
    expect(await repo.relayOutbox(2, collect(keys))).toBe(1);
    expect(keys).toEqual(docs.map((d) => d.document_id));
  });

  it('never hands the same message to two concurrent relays', async () => {
    const { repo } = get();
    for (let i = 0; i < 4; i++) await create(repo);
    const keys: string[] = [];
    const counts = await Promise.all([repo.relayOutbox(3, collect(keys)), repo.relayOutbox(3, collect(keys))]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(new Set(keys).size).toBe(4);
    expect(keys).toHaveLength(4);
  });

  it('keeps everything when publish throws, and propagates the error', async () => {
    const { repo } = get();
    const doc = await create(repo);
    await expect(repo.relayOutbox(10, () => Promise.reject(new Error('broker down')))).rejects.toThrow('broker down');
    expect((await repo.getDocument('acme', doc.document_id))?.status).toBe('uploaded');
    expect(await repo.relayOutbox(10, async () => {})).toBe(1);
  });

  it('never moves a document backwards when its chunks overtook the relay', async () => {
    const { repo } = get();
    const doc = await create(repo);
    await repo.recordChunks([{ document_id: doc.document_id, chunk_id: chunkId(doc.document_id, 0), chunk_index: 0, chunk_count: 1 }]);
    await repo.relayOutbox(10, async () => {});
    expect((await repo.getDocument('acme', doc.document_id))?.status).toBe('chunked');
  });
}

function describeMarkFailed(get: Get): void {
  it('records the first failure only', async () => {
    const { repo } = get();
    const doc = await create(repo);
    await repo.markFailed(doc.document_id, 'unsupported content');
    await repo.markFailed(doc.document_id, 'second opinion');
    expect(await repo.getDocument('acme', doc.document_id)).toMatchObject({ status: 'failed', error: 'unsupported content' });
  });

  it('leaves an embedded document alone and ignores unknown or malformed ids', async () => {
    const { repo } = get();
    const doc = await create(repo);
    await repo.recordEmbeddings([{ document_id: doc.document_id, chunk_id: chunkId(doc.document_id, 0), chunk_index: 0, chunk_count: 1 }]);
    await repo.markFailed(doc.document_id, 'too late');
    await repo.markFailed(randomUUID(), 'nobody');
    await repo.markFailed('nope', 'nobody');
    expect(await repo.getDocument('acme', doc.document_id)).toMatchObject({ status: 'embedded', error: null });
  });
}

function describeList(get: Get): void {
  async function seed(n: number, companyId = 'acme'): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await create(get().repo, newDoc(companyId))).document_id);
    return ids;
  }

  it('pages newest first with an opaque cursor until next_cursor is null', async () => {
    const { repo, client } = get();
    const ids = await seed(7);
    await seed(2, 'globex');
    // Distinct, known creation times; ids 0..6 oldest to newest.
    for (const [i, id] of ids.entries()) {
      await client.query("UPDATE documents SET created_at = timestamptz '2024-01-01T00:00:00Z' + $2::int * interval '1 second' WHERE id = $1", [id, i]);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await repo.listDocuments('acme', { limit: 3, cursor });
      seen.push(...page.documents.map((d) => d.document_id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it('breaks created_at ties by id and never skips or repeats within one microsecond', async () => {
    const { repo, client } = get();
    const ids = await seed(5);
    await client.query("UPDATE documents SET created_at = timestamptz '2024-01-01T00:00:00.123456Z'", []);
    const first = await repo.listDocuments('acme', { limit: 2 });
    const second = await repo.listDocuments('acme', { limit: 2, cursor: first.next_cursor });
    const third = await repo.listDocuments('acme', { limit: 2, cursor: second.next_cursor });
    const seen = [first, second, third].flatMap((p) => p.documents.map((d) => d.document_id));
    expect(seen).toEqual([...ids].sort().reverse());
    expect(third.next_cursor).toBeNull();
  });

  it('returns an empty last page for a company without documents', async () => {
    expect(await get().repo.listDocuments('nobody', { limit: 10 })).toEqual({ documents: [], next_cursor: null });
  });

  it('clamps the limit into 1..100', async () => {
    const { repo } = get();
    await seed(3);
    expect((await repo.listDocuments('acme', { limit: 0 })).documents).toHaveLength(1);
    expect((await repo.listDocuments('acme', { limit: -5 })).next_cursor).not.toBeNull();
    expect((await repo.listDocuments('acme', { limit: 1000 })).documents).toHaveLength(3);
  });

  it('throws InvalidCursorError on a malformed cursor', async () => {
    const { repo } = get();
    await expect(repo.listDocuments('acme', { limit: 10, cursor: 'garbage!' })).rejects.toBeInstanceOf(InvalidCursorError);
    const forged = Buffer.from('12.not-a-uuid').toString('base64url');
    await expect(repo.listDocuments('acme', { limit: 10, cursor: forged })).rejects.toBeInstanceOf(InvalidCursorError);
  });
}

function describeCounts(get: Get): void {
  it('counts documents by status, zeros included', async () => {
    const { repo } = get();
    const [a, b] = [await create(repo), await create(repo)];
    await create(repo);
    await repo.markFailed(a.document_id, 'bad');
    await repo.recordChunks([{ document_id: b.document_id, chunk_id: chunkId(b.document_id, 0), chunk_index: 0, chunk_count: 2 }]);
    expect(await repo.countByStatus()).toEqual({ uploaded: 1, processing: 1, chunked: 0, embedded: 0, failed: 1 });
  });

  it('answers ping', async () => {
    expect(await get().repo.ping()).toBe(true);
  });
}
