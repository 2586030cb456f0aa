import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { encode, Topics, type DocumentRaw } from '@docpipe/contracts';
import { createLogger, createRegistry, EmbeddedEventBus, eachMessage, type BusMessage } from '@docpipe/runtime';
import { afterEach, expect, it } from 'vitest';
import { loadDocprocConfig, startDocproc } from '../src/index.js';
import { GOOD_FIXTURES } from './fixtures/index.js';
import { MemoryStore } from './fakes.js';

const logger = createLogger({ name: 'docproc-service-test', level: 'silent' });
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

it('consumes documents.raw, publishes chunks and dead letters, and counts them in its metrics', async () => {
  const bus = new EmbeddedEventBus({ logger, pollIntervalMs: 50 });
  closers.push(() => bus.close());
  const store = new MemoryStore();
  const registry = createRegistry('docproc');
  const service = await startDocproc({ bus, store, logger, config: loadDocprocConfig({}), registry });
  closers.push(() => service.stop());

  const seen: BusMessage[] = [];
  const probe = await bus.subscribe({
    groupId: 'probe',
    topics: [Topics.chunksProcessed, Topics.documentsDlq],
    handleBatch: eachMessage(async (m) => void seen.push(m)),
  });
  closers.push(() => probe.stop());

  const bytes = readFileSync(GOOD_FIXTURES.pdf.path);
  const doc: DocumentRaw = {
    document_id: randomUUID(),
    company_id: 'default-company-uuid',
    s3_path: store.uri('default-company-uuid/x/sample.pdf'),
    filename: 'sample.pdf',
    content_type: 'application/pdf',
    size_bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    uploaded_at: Date.now(),
  };
  store.objects.set('default-company-uuid/x/sample.pdf', bytes);
  await bus.publish(Topics.documentsRaw, [encode(Topics.documentsRaw, doc), { key: 'poison', value: Buffer.from('not json'), headers: {} }]);

  await until(() => (seen.some((m) => m.topic === Topics.documentsDlq) && seen.some((m) => m.topic === Topics.chunksProcessed) ? true : undefined), 'outputs');
  const chunk = JSON.parse(seen.find((m) => m.topic === Topics.chunksProcessed)!.value!.toString()) as Record<string, unknown>;
  expect(chunk).toMatchObject({ document_id: doc.document_id, chunk_index: 0, page: 1 });

  const metrics = await registry.metrics();
  expect(metrics).toMatch(/docpipe_docproc_documents_processed_total\{content_type="application\/pdf",service="docproc"\} 1/);
  expect(metrics).toMatch(/docpipe_docproc_documents_failed_total\{reason="invalid_message",service="docproc"\} 1/);
  expect(metrics).toMatch(/docpipe_docproc_chunks_produced_total\{service="docproc"\} [1-9]/);
  expect(metrics).toMatch(/docpipe_docproc_extraction_duration_seconds_count\{service="docproc",content_type="application\/pdf"\} 1/);
});
