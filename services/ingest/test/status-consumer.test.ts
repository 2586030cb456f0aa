import { randomUUID } from 'node:crypto';
import { chunkId, decode, encode, Topics, type DocumentDlq, type EncodedMessage, type TopicName } from '@docpipe/contracts';
import {
  dlqMessage,
  openPgliteRepository,
  type BusMessage,
  type DocumentRepository,
  type EventBus,
  type MessageBatch,
  type SqlDocumentRepository,
} from '@docpipe/runtime';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleStatusBatch, startStatusConsumer } from '../src/status-consumer.js';
import { collect, eventually, openAdapters, uniqueCompany, type Adapters } from './helpers.js';

let repo: SqlDocumentRepository;
let adapters: Adapters;

beforeAll(async () => {
  repo = await openPgliteRepository();
});
afterAll(async () => {
  await repo.close();
});
beforeEach(async () => {
  adapters = await openAdapters({ repo });
});
afterEach(async () => {
  await adapters.close();
});

async function createDocument(company = uniqueCompany()): Promise<{ id: string; company: string }> {
  const id = randomUUID();
  const row = {
    document_id: id,
    company_id: company,
    filename: 'doc.txt',
    content_type: 'text/plain',
    size_bytes: 3,
    sha256: 'a'.repeat(64),
    s3_path: `s3://b/${company}/${id}/doc.txt`,
  };
  await repo.createDocument(row, { topic: Topics.documentsRaw, message: encode(Topics.documentsRaw, { ...row, uploaded_at: Date.now() }) });
  return { id, company };
}

function chunk(doc: { id: string; company: string }, index: number, count: number): EncodedMessage {
  return encode(Topics.chunksProcessed, {
    chunk_id: chunkId(doc.id, index),
    document_id: doc.id,
    company_id: doc.company,
    text: `chunk ${index}`,
    page: 1,
    chunk_index: index,
    chunk_count: count,
    token_count: 2,
  });
}

function embedding(doc: { id: string; company: string }, index: number, count: number): EncodedMessage {
  return encode(Topics.embeddingsReady, {
    chunk_id: chunkId(doc.id, index),
    document_id: doc.id,
    company_id: doc.company,
    vector: [0.1, 0.2],
    chunk_index: index,
    chunk_count: count,
    model: 'local',
    embedded_at: Date.now(),
  });
}

let offset = 0;
function batchOf(topic: TopicName, values: Array<Buffer | string>): MessageBatch {
  const messages: BusMessage[] = values.map((value) => ({
    topic,
    partition: 0,
    offset: String(offset++),
    key: null,
    value: Buffer.from(value),
    headers: {},
    timestamp: Date.now(),
  }));
  return { topic, partition: 0, messages, resolveOffset: () => undefined };
}

/** Our own port, recording what was published (and still publishing it). */
function recordingBus(inner: EventBus): EventBus & { published: Array<{ topic: TopicName; count: number }> } {
  const published: Array<{ topic: TopicName; count: number }> = [];
  return {
    published,
    publish: async (topic, messages) => {
      published.push({ topic, count: messages.length });
      await inner.publish(topic, messages);
    },
    subscribe: (options) => inner.subscribe(options),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}

/** The repository, counting the calls the consumer makes. */
function countingRepo(inner: DocumentRepository): DocumentRepository & { calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'calls') return calls;
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as DocumentRepository & { calls: Record<string, number> };
}

const value = (m: EncodedMessage): Buffer => m.value;

describe('handleStatusBatch', () => {
  it('counts each chunk once, however often it is delivered, with one repository call per batch', async () => {
    const doc = await createDocument();
    const counted = countingRepo(repo);
    const deps = { repo: counted, bus: adapters.bus, logger: adapters.logger };
    const chunks = [0, 1, 0, 2, 1].map((i) => value(chunk(doc, i, 3)));

    await handleStatusBatch(batchOf(Topics.chunksProcessed, chunks), deps);
    await handleStatusBatch(batchOf(Topics.chunksProcessed, chunks), deps); // redelivered
    expect(counted.calls['recordChunks']).toBe(2);
    expect(await repo.getDocument(doc.company, doc.id)).toMatchObject({ status: 'chunked', chunks_total: 3, chunks_embedded: 0 });

    const embeddings = [2, 2, 0, 1].map((i) => value(embedding(doc, i, 3)));
    await handleStatusBatch(batchOf(Topics.embeddingsReady, embeddings), deps);
    await handleStatusBatch(batchOf(Topics.embeddingsReady, embeddings.slice(1)), deps);
    expect(counted.calls['recordEmbeddings']).toBe(2);
    expect(await repo.getDocument(doc.company, doc.id)).toMatchObject({ status: 'embedded', chunks_total: 3, chunks_embedded: 3, error: null });
  });

  it('marks the document failed with the stage and error of a dead letter', async () => {
    const doc = await createDocument();
    const source: BusMessage = { topic: Topics.documentsRaw, partition: 1, offset: '7', key: doc.id, value: null, headers: {}, timestamp: 0 };
    const dead = dlqMessage({ stage: 'docproc', error: 'cannot extract text', source, documentId: doc.id, companyId: doc.company });
    const bus = recordingBus(adapters.bus);

    await handleStatusBatch(batchOf(Topics.documentsDlq, [dead.value, dead.value]), { repo, bus, logger: adapters.logger });

    expect(await repo.getDocument(doc.company, doc.id)).toMatchObject({ status: 'failed', error: 'docproc: cannot extract text' });
    expect(bus.published).toEqual([]);
  });

  it('dead-letters chunks of unknown documents', async () => {
    const ghost = { id: randomUUID(), company: uniqueCompany() };
    const known = await createDocument();
    const batch = batchOf(Topics.chunksProcessed, [value(chunk(ghost, 0, 1)), value(chunk(known, 0, 1))]);

    await handleStatusBatch(batch, { repo, bus: adapters.bus, logger: adapters.logger });

    const [letter] = await collect(adapters.bus, Topics.documentsDlq, 1);
    const decoded = decode(Topics.documentsDlq, letter!.value);
    expect(decoded.ok).toBe(true);
    expect((decoded as { value: DocumentDlq }).value).toMatchObject({
      document_id: ghost.id,
      company_id: ghost.company,
      stage: 'status',
      source_topic: Topics.chunksProcessed,
      source_offset: batch.messages[0]!.offset,
    });
    expect(letter!.key).toBe(ghost.id);
    // The known document was still counted.
    expect(await repo.getDocument(known.company, known.id)).toMatchObject({ chunks_total: 1 });
  });

  it('dead-letters invalid JSON and invalid payloads, keeping what ids it can', async () => {
    const doc = await createDocument();
    const broken = JSON.stringify({ document_id: doc.id, company_id: doc.company, chunk_id: 'nope' });
    await handleStatusBatch(batchOf(Topics.embeddingsReady, ['{not json', broken]), { repo, bus: adapters.bus, logger: adapters.logger });

    const letters = (await collect(adapters.bus, Topics.documentsDlq, 2)).map((m) => (decode(Topics.documentsDlq, m.value) as { value: DocumentDlq }).value);
    const byId = new Map(letters.map((l) => [l.document_id, l]));
    expect(byId.get(null)).toMatchObject({ stage: 'status', source_topic: Topics.embeddingsReady, error: expect.stringContaining('not valid JSON') });
    expect(byId.get(doc.id)).toMatchObject({ stage: 'status', company_id: doc.company, error: expect.stringContaining('invalid embeddings.ready payload') });
  });

  it('never dead-letters what it reads from documents.dlq', async () => {
    const bus = recordingBus(adapters.bus);
    const orphan = JSON.stringify({ document_id: null, company_id: null, stage: 'docproc', error: 'x', source_topic: 't', source_partition: 0, source_offset: '1', failed_at: 1 });
    await handleStatusBatch(batchOf(Topics.documentsDlq, ['{not json', orphan]), { repo, bus, logger: adapters.logger });
    expect(bus.published).toEqual([]);
  });
});

describe('startStatusConsumer', () => {
  it('follows a document through the bus to embedded, and a dead letter to failed', async () => {
    const consumer = await startStatusConsumer({ repo, bus: adapters.bus, logger: adapters.logger });
    try {
      const done = await createDocument();
      const failing = await createDocument();
      await adapters.bus.publish(Topics.chunksProcessed, [0, 1, 1, 0].map((i) => chunk(done, i, 2)));
      await adapters.bus.publish(Topics.embeddingsReady, [1, 0, 1].map((i) => embedding(done, i, 2)));
      const source: BusMessage = { topic: Topics.chunksProcessed, partition: 0, offset: '0', key: null, value: null, headers: {}, timestamp: 0 };
      await adapters.bus.publish(Topics.documentsDlq, [
        dlqMessage({ stage: 'embedding', error: 'model refused input', source, documentId: failing.id, companyId: failing.company }),
      ]);

      const embedded = await eventually(async () => {
        const view = await repo.getDocument(done.company, done.id);
        return view?.status === 'embedded' ? view : undefined;
      });
      expect(embedded).toMatchObject({ chunks_total: 2, chunks_embedded: 2 });
      const failed = await eventually(async () => {
        const view = await repo.getDocument(failing.company, failing.id);
        return view?.status === 'failed' ? view : undefined;
      });
      expect(failed.error).toBe('embedding: model refused input');
    } finally {
      await consumer.stop();
    }
  });
});
