import { randomUUID } from 'node:crypto';
import { chunkId, decode, encode, Topics, type ChunkProcessed, type EncodedMessage, type TopicName } from '@docpipe/contracts';
import { createLogger, type BusMessage, type Embedder, type EventBus, type MessageBatch } from '@docpipe/runtime';
import { describe, expect, it } from 'vitest';
import { embedBatch, type EmbedDeps, type EmbedProcessConfig } from './process.js';

const DIMS = 4;
const logger = createLogger({ name: 'test', level: 'silent' });
const config: EmbedProcessConfig = {
  EMBEDDING_DIMENSIONS: DIMS,
  EMBEDDING_MAX_BATCH_INPUTS: 2048,
  EMBEDDING_MAX_BATCH_TOKENS: 300_000,
  EMBEDDING_CONCURRENCY: 2,
};

/** An in-memory bus that only records what is published. */
class RecordingBus implements EventBus {
  readonly published: { topic: TopicName; message: EncodedMessage }[] = [];
  async publish(topic: TopicName, messages: EncodedMessage[]): Promise<void> {
    for (const message of messages) this.published.push({ topic, message });
  }
  async subscribe(): Promise<never> {
    throw new Error('not used');
  }
  async ping(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}
  on<T extends TopicName>(topic: T) {
    return this.published.filter((p) => p.topic === topic).map((p) => decode(topic, p.message.value)).map((d) => (d.ok ? d.value : null));
  }
}

/** A deterministic embedder that records each request and can refuse inputs or fail. */
class TestEmbedder implements Embedder {
  readonly model = 'test-model';
  readonly dimensions = DIMS;
  readonly requests: string[][] = [];
  refuse: (text: string) => boolean = () => false;
  fail: Error | null = null;
  answer: ((inputs: string[]) => number[][]) | null = null;
  constructor(readonly limits = { maxInputsPerRequest: 2048, maxTokensPerRequest: 300_000, maxTokensPerInput: 8192 }) {}
  async embed(inputs: string[]): Promise<number[][]> {
    this.requests.push(inputs);
    if (this.fail) throw this.fail;
    if (inputs.some(this.refuse)) throw Object.assign(new Error('invalid input'), { status: 400 });
    return this.answer ? this.answer(inputs) : inputs.map((t) => [t.length, 1, 2, 3]);
  }
}

function chunk(documentId: string, index: number, count: number, text: string): ChunkProcessed {
  return { chunk_id: chunkId(documentId, index), document_id: documentId, company_id: 'acme', text, page: null, chunk_index: index, chunk_count: count, token_count: 1 };
}

function batchOf(values: (Buffer | null)[]): MessageBatch & { resolved: string[] } {
  const messages: BusMessage[] = values.map((value, i) => ({ topic: Topics.chunksProcessed, partition: 3, offset: String(100 + i), key: null, value, headers: {}, timestamp: 0 }));
  const resolved: string[] = [];
  return { topic: Topics.chunksProcessed, partition: 3, messages, resolved, resolveOffset: (o) => void resolved.push(o) };
}

const encoded = (c: ChunkProcessed): Buffer => encode(Topics.chunksProcessed, c).value;

function deps(bus: RecordingBus, embedder: Embedder, overrides: Partial<EmbedDeps> = {}): EmbedDeps {
  return { bus, embedder, logger, config, now: () => 1_700_000_000_000, ...overrides };
}

describe('embedBatch', () => {
  it('publishes one embeddings.ready per chunk with its ids, vector and model, then resolves the batch', async () => {
    const doc = randomUUID();
    const chunks = [chunk(doc, 0, 3, 'alpha'), chunk(doc, 1, 3, 'beta beta'), chunk(doc, 2, 3, 'gamma')];
    const bus = new RecordingBus();
    const batch = batchOf(chunks.map(encoded));
    await embedBatch(batch, deps(bus, new TestEmbedder()));
    expect(bus.on(Topics.embeddingsReady)).toEqual(
      chunks.map((c) => ({
        chunk_id: c.chunk_id, document_id: doc, company_id: 'acme', vector: [c.text.length, 1, 2, 3],
        chunk_index: c.chunk_index, chunk_count: 3, model: 'test-model', embedded_at: 1_700_000_000_000,
      })),
    );
    expect(bus.on(Topics.documentsDlq)).toEqual([]);
    expect(batch.resolved).toEqual(['102']);
  });

  it('dead-letters a poison message and embeds the rest', async () => {
    const doc = randomUUID();
    const bus = new RecordingBus();
    const batch = batchOf([Buffer.from('{not json'), encoded(chunk(doc, 0, 1, 'fine'))]);
    await embedBatch(batch, deps(bus, new TestEmbedder()));
    expect(bus.on(Topics.embeddingsReady).map((e) => e?.chunk_index)).toEqual([0]);
    const [dlq] = bus.on(Topics.documentsDlq);
    expect(dlq).toMatchObject({ stage: 'embedding', source_topic: Topics.chunksProcessed, source_partition: 3, source_offset: '100', document_id: null });
    expect(dlq?.error).toMatch(/JSON/);
    expect(batch.resolved).toEqual(['101']);
  });

  it('dead-letters a chunk over the per-input token limit, naming its size', async () => {
    const doc = randomUUID();
    const embedder = new TestEmbedder({ maxInputsPerRequest: 10, maxTokensPerRequest: 1000, maxTokensPerInput: 20 });
    const bus = new RecordingBus();
    const big = 'word '.repeat(50);
    const batch = batchOf([encoded(chunk(doc, 0, 2, 'small text')), encoded(chunk(doc, 1, 2, big))]);
    await embedBatch(batch, deps(bus, embedder));
    expect(bus.on(Topics.embeddingsReady).map((e) => e?.chunk_index)).toEqual([0]);
    const [dlq] = bus.on(Topics.documentsDlq);
    expect(dlq).toMatchObject({ stage: 'embedding', document_id: doc, company_id: 'acme', source_offset: '101' });
    expect(dlq?.error).toMatch(/over the limit of 20 tokens per input/);
    expect(embedder.requests.flat()).not.toContain(big);
  });

  it('isolates an input the API refuses as invalid and embeds the others sent with it', async () => {
    const doc = randomUUID();
    const embedder = new TestEmbedder();
    embedder.refuse = (t) => t === 'poison';
    const texts = ['a', 'b', 'poison', 'c', 'd', 'e'];
    const bus = new RecordingBus();
    const batch = batchOf(texts.map((t, i) => encoded(chunk(doc, i, texts.length, t))));
    await embedBatch(batch, deps(bus, embedder));
    expect(bus.on(Topics.embeddingsReady).map((e) => e?.chunk_index).sort()).toEqual([0, 1, 3, 4, 5]);
    const dlq = bus.on(Topics.documentsDlq);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]).toMatchObject({ document_id: doc, source_offset: '102' });
    expect(dlq[0]?.error).toMatch(/refused by the embedder.*invalid input/);
    expect(batch.resolved).toEqual(['105']);
  });

  it('throws on a transient embedder failure without resolving anything', async () => {
    const embedder = new TestEmbedder();
    embedder.fail = Object.assign(new Error('rate limited'), { status: 429 });
    const bus = new RecordingBus();
    const batch = batchOf([encoded(chunk(randomUUID(), 0, 1, 'x'))]);
    await expect(embedBatch(batch, deps(bus, embedder))).rejects.toThrow(/embeddings request of 1 inputs failed/);
    expect(batch.resolved).toEqual([]);
    expect(bus.published).toEqual([]);
  });

  it('throws when the embedder answers with the wrong number of vectors or dimensions', async () => {
    const embedder = new TestEmbedder();
    const bus = new RecordingBus();
    embedder.answer = (inputs) => inputs.slice(1).map(() => [1, 2, 3, 4]);
    const two = (): MessageBatch & { resolved: string[] } => batchOf([encoded(chunk(randomUUID(), 0, 1, 'x')), encoded(chunk(randomUUID(), 0, 1, 'y'))]);
    await expect(embedBatch(two(), deps(bus, embedder))).rejects.toThrow(/1 vectors for 2 inputs/);
    embedder.answer = (inputs) => inputs.map(() => [1, 2]);
    await expect(embedBatch(two(), deps(bus, embedder))).rejects.toThrow(/expected 4/);
    expect(bus.on(Topics.embeddingsReady)).toEqual([]);
  });

  it('keeps every request within the configured limits when they are tighter than the embedder\'s', async () => {
    const doc = randomUUID();
    const embedder = new TestEmbedder();
    const bus = new RecordingBus();
    const texts = Array.from({ length: 25 }, (_, i) => `chunk number ${i} with a few words`);
    const batch = batchOf(texts.map((t, i) => encoded(chunk(doc, i, texts.length, t))));
    await embedBatch(batch, deps(bus, embedder, { config: { ...config, EMBEDDING_MAX_BATCH_INPUTS: 4 } }));
    expect(Math.max(...embedder.requests.map((r) => r.length))).toBe(4);
    expect(embedder.requests.flat().sort()).toEqual([...texts].sort());
    expect(new Set(bus.on(Topics.embeddingsReady).map((e) => e?.chunk_id)).size).toBe(25);
  });

  it('does nothing for an empty batch', async () => {
    const bus = new RecordingBus();
    const batch = batchOf([]);
    await embedBatch(batch, deps(bus, new TestEmbedder()));
    expect(bus.published).toEqual([]);
    expect(batch.resolved).toEqual([]);
  });
});
