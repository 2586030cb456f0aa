import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chunkId, decode, encode, Topics, type DocumentRaw } from '@docpipe/contracts';
import { countTokens, createLogger, type BusMessage } from '@docpipe/runtime';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadDocprocConfig, processDocument, type DocprocDeps, type DocprocFailure } from '../src/index.js';
import { buildLongPdf } from './fixtures/generate.js';
import { BAD_FIXTURES, GOOD_FIXTURES } from './fixtures/index.js';
import { MemoryStore, RecordingBus } from './fakes.js';

const COMPANY = 'acme-eu';
const logger = createLogger({ name: 'docproc-test', level: 'silent' });

let store: MemoryStore;
let bus: RecordingBus;
let failures: DocprocFailure[];
let deps: DocprocDeps;
let offset = 0;

beforeEach(() => {
  store = new MemoryStore();
  bus = new RecordingBus();
  failures = [];
  deps = { bus, store, logger, config: loadDocprocConfig({}), observer: { failed: (r) => failures.push(r) } };
});

/** Stores `bytes` as an upload and returns the documents.raw message announcing it. */
function upload(bytes: Buffer, filename: string, overrides: Partial<DocumentRaw> = {}): { msg: BusMessage; doc: DocumentRaw } {
  const documentId = randomUUID();
  const key = `${COMPANY}/${documentId}/${filename}`;
  store.objects.set(key, bytes);
  const doc: DocumentRaw = {
    document_id: documentId,
    company_id: COMPANY,
    s3_path: store.uri(key),
    filename,
    content_type: 'application/octet-stream',
    size_bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    uploaded_at: 1_700_000_000_000,
    ...overrides,
  };
  return { msg: rawMessage(encode(Topics.documentsRaw, doc).value, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }), doc };
}

function rawMessage(value: Buffer | null, headers: Record<string, string> = {}): BusMessage {
  return { topic: Topics.documentsRaw, partition: 2, offset: String(offset++), key: null, value, headers, timestamp: 0 };
}

function chunksOf(documentId: string): Record<string, unknown>[] {
  return bus.values(Topics.chunksProcessed).filter((c) => c['document_id'] === documentId);
}

function dlq(): Record<string, unknown>[] {
  return bus.values(Topics.documentsDlq);
}

describe('processDocument — success', () => {
  it('publishes every chunk of a PDF in one call, valid, numbered, with pages and exact token counts', async () => {
    const { msg, doc } = upload(buildLongPdf(6), 'report.pdf');
    await processDocument(msg, deps);
    expect(bus.published).toHaveLength(1);
    const [call] = bus.published;
    expect(call!.topic).toBe(Topics.chunksProcessed);
    const chunks = call!.messages.map((m) => {
      expect(m.key).toBe(doc.document_id);
      expect(m.headers['traceparent']).toBe(msg.headers['traceparent']);
      const d = decode(Topics.chunksProcessed, m.value);
      if (!d.ok) throw new Error(d.error);
      return d.value;
    });
    expect(chunks.length).toBeGreaterThan(6);
    chunks.forEach((c, i) => {
      expect(c.chunk_index).toBe(i);
      expect(c.chunk_count).toBe(chunks.length);
      expect(c.chunk_id).toBe(chunkId(doc.document_id, i));
      expect(c.company_id).toBe(COMPANY);
      expect(c.token_count).toBe(countTokens(c.text));
      expect(c.token_count).toBeLessThanOrEqual(512);
    });
    expect(chunks[0]!.page).toBe(1);
    expect(chunks.at(-1)!.page).toBe(6);
    const pages = chunks.map((c) => c.page!);
    expect(pages).toEqual([...pages].sort((a, b) => a - b));
    expect(dlq()).toEqual([]);
  });

  it.each(Object.entries(GOOD_FIXTURES))('chunks the %s fixture', async (_name, f) => {
    const { msg, doc } = upload(readFileSync(f.path), f.path.split('/').at(-1)!);
    await processDocument(msg, deps);
    const chunks = chunksOf(doc.document_id);
    expect(chunks.length).toBeGreaterThan(0);
    expect(dlq()).toEqual([]);
  });

  it('sniffs the type from the bytes, not from the declared content type or the name', async () => {
    const { msg, doc } = upload(readFileSync(GOOD_FIXTURES.pdf.path), 'notes.txt', { content_type: 'text/plain' });
    await processDocument(msg, deps);
    expect(chunksOf(doc.document_id)[0]!['page']).toBe(1);
  });

  it('republishes the same chunk ids on redelivery', async () => {
    const { msg, doc } = upload(readFileSync(GOOD_FIXTURES.markdown.path), 'notes.md');
    await processDocument(msg, deps);
    await processDocument(msg, deps);
    const ids = chunksOf(doc.document_id).map((c) => c['chunk_id']);
    expect(ids.length % 2).toBe(0);
    expect(ids.slice(ids.length / 2)).toEqual(ids.slice(0, ids.length / 2));
  });
});

describe('processDocument — permanent failures go to documents.dlq', () => {
  async function rejected(msg: BusMessage): Promise<Record<string, unknown>> {
    await processDocument(msg, deps);
    expect(bus.values(Topics.chunksProcessed)).toEqual([]);
    const messages = dlq();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ stage: 'docproc', source_topic: Topics.documentsRaw, source_partition: 2, source_offset: msg.offset });
    return messages[0]!;
  }

  it('a message that is not JSON', async () => {
    const d = await rejected(rawMessage(Buffer.from('{nope')));
    expect(d).toMatchObject({ document_id: null, company_id: null });
    expect(d['error']).toMatch(/not valid JSON/);
    expect(failures).toEqual(['invalid_message']);
  });

  it('a message that breaks the schema, keeping the ids it has', async () => {
    const id = randomUUID();
    const d = await rejected(rawMessage(Buffer.from(JSON.stringify({ document_id: id, company_id: COMPANY }))));
    expect(d).toMatchObject({ document_id: id, company_id: COMPANY });
    expect(d['error']).toMatch(/invalid documents.raw payload: s3_path/);
  });

  it('an object that no longer exists', async () => {
    const { msg, doc } = upload(Buffer.from('hello'), 'a.txt');
    store.objects.clear();
    expect(await rejected(msg)).toMatchObject({ document_id: doc.document_id, company_id: COMPANY, error: 'the uploaded object no longer exists' });
    expect(failures).toEqual(['not_found']);
  });

  it('a document larger than MAX_DOCUMENT_BYTES, by its declared size or by what the store returns', async () => {
    deps.config = loadDocprocConfig({ MAX_DOCUMENT_BYTES: '50000' });
    const big = Buffer.alloc(60_000, 'a');
    expect(await rejected(upload(big, 'a.txt').msg)).toMatchObject({ error: 'document is larger than the 48.8 KiB limit' });
    bus.published.length = 0;
    expect(await rejected(upload(big, 'a.txt', { size_bytes: 10 }).msg)).toMatchObject({ error: 'document is larger than the 48.8 KiB limit' });
    expect(failures).toEqual(['too_large', 'too_large']);
  });

  it('content of a type docproc cannot read', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    expect((await rejected(upload(png, 'photo.pdf', { content_type: 'application/pdf' }).msg))['error']).toMatch(/^unsupported document type/);
    expect(failures).toEqual(['unsupported_type']);
  });

  it.each(Object.entries(BAD_FIXTURES))('%s', async (_name, f) => {
    const d = await rejected(upload(readFileSync(f.path), f.path.split('/').at(-1)!).msg);
    expect(d['error']).toMatch(f.reason);
    expect(failures).toEqual(['extraction']);
  });
});

describe('processDocument — transient failures throw for redelivery', () => {
  it('a store error', async () => {
    const { msg } = upload(Buffer.from('hello'), 'a.txt');
    store.failNextGet = new Error('ECONNRESET');
    await expect(processDocument(msg, deps)).rejects.toThrow('ECONNRESET');
    expect(bus.published).toEqual([]);
  });

  it('a bus error while publishing chunks', async () => {
    const { msg } = upload(Buffer.from('hello'), 'a.txt');
    bus.failNextPublish = new Error('broker not available');
    await expect(processDocument(msg, deps)).rejects.toThrow('broker not available');
    expect(dlq()).toEqual([]);
  });

  it('a bus error while publishing to the DLQ', async () => {
    bus.failNextPublish = new Error('broker not available');
    await expect(processDocument(rawMessage(Buffer.from('{nope')), deps)).rejects.toThrow('broker not available');
  });

  it('an extraction aborted by shutdown (not the document’s fault)', async () => {
    const { msg } = upload(readFileSync(GOOD_FIXTURES.pdf.path), 'a.pdf');
    const controller = new AbortController();
    controller.abort();
    await expect(processDocument(msg, { ...deps, signal: controller.signal })).rejects.toThrow();
    expect(bus.published).toEqual([]);
  });
});
