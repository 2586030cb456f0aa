import { randomUUID } from 'node:crypto';
import { chunkId, decode, encode, Topics, type ChunkProcessed, type DocumentDlq, type EmbeddingReady } from '@docpipe/contracts';
import {
  countTokens,
  createLogger,
  createRegistry,
  LocalEmbedder,
  openEmbeddedEventBus,
  type Embedder,
  type EmbedderLimits,
  type EventBus,
  type Service,
  type Subscription,
} from '@docpipe/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { loadEmbeddingConfig, startEmbedding, type EmbeddingConfig } from '../src/index.js';

const DIMS = 16;
const logger = createLogger({ name: 'embedding-test', level: 'silent' });

/** Wraps the local embedder with tighter limits and records every request it is sent. */
class RecordingEmbedder implements Embedder {
  readonly inner = new LocalEmbedder({ dimensions: DIMS });
  readonly model = this.inner.model;
  readonly dimensions = DIMS;
  readonly requests: { inputs: number; tokens: number; maxInputTokens: number }[] = [];
  inFlight = 0;
  peakInFlight = 0;
  failuresLeft = 0;
  constructor(readonly limits: EmbedderLimits) {}
  async embed(inputs: string[]): Promise<number[][]> {
    const tokens = inputs.map(countTokens);
    this.requests.push({ inputs: inputs.length, tokens: tokens.reduce((a, b) => a + b, 0), maxInputTokens: Math.max(...tokens) });
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.failuresLeft > 0) {
        this.failuresLeft--;
        throw Object.assign(new Error('service unavailable'), { status: 503 });
      }
      return await this.inner.embed(inputs);
    } finally {
      this.inFlight--;
    }
  }
}

const WORDS = ['pipeline', 'document', 'chunk', 'vector', 'kafka', 'tokens', 'company', 'ledger', 'invoice', 'river', 'α', '東京'];

function text(seed: number): string {
  const n = 5 + ((seed * 7919) % 180);
  return Array.from({ length: n }, (_, i) => WORDS[(seed + i * 31) % WORDS.length]).join(' ');
}

function chunksOf(documentId: string, texts: string[]): ChunkProcessed[] {
  return texts.map((t, i) => ({
    chunk_id: chunkId(documentId, i), document_id: documentId, company_id: 'acme', text: t, page: i + 1,
    chunk_index: i, chunk_count: texts.length, token_count: countTokens(t),
  }));
}

/** Collects what a test consumer group sees on one topic. */
async function collect<T>(bus: EventBus, topic: typeof Topics.embeddingsReady | typeof Topics.documentsDlq, into: T[]): Promise<Subscription> {
  return bus.subscribe({
    groupId: `test-${randomUUID()}`,
    topics: [topic],
    maxBatchSize: 1000,
    handleBatch: async (batch) => {
      for (const m of batch.messages) {
        const d = decode(topic, m.value);
        if (!d.ok) throw new Error(d.error);
        into.push(d.value as T);
      }
    },
  });
}

/** Waits, within a bound, until `done` holds; the bound is a safety net, not an assertion of speed. */
async function until(done: () => boolean, what: string, boundMs = 60_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('embedding worker on the embedded bus', () => {
  const open: { stop(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const s of open.reverse()) await s.stop();
    open.length = 0;
  });

  async function start(embedder: Embedder, env: Record<string, string> = {}): Promise<{ bus: EventBus; worker: Service; config: EmbeddingConfig; registry: ReturnType<typeof createRegistry> }> {
    const bus = await openEmbeddedEventBus({ logger, retryBackoffMs: { initial: 5, max: 20 }, pollIntervalMs: 50 });
    open.push({ stop: () => bus.close() });
    const config = loadEmbeddingConfig({ EMBEDDING_DIMENSIONS: String(DIMS), ...env });
    const registry = createRegistry('embedding-test');
    const worker = await startEmbedding({ bus, embedder, logger, config, registry });
    open.push(worker);
    return { bus, worker, config, registry };
  }

  it('embeds 5000 chunks with every request within the embedder and configured limits', async () => {
    const limits = { maxInputsPerRequest: 300, maxTokensPerRequest: 9_000, maxTokensPerInput: 8192 };
    const embedder = new RecordingEmbedder(limits);
    const { bus, registry } = await start(embedder, { EMBEDDING_MAX_BATCH_INPUTS: '250', EMBEDDING_CONCURRENCY: '3' });
    const ready: EmbeddingReady[] = [];
    open.push(await collect(bus, Topics.embeddingsReady, ready));

    const docs = Array.from({ length: 20 }, () => randomUUID());
    const all = docs.flatMap((d, di) => chunksOf(d, Array.from({ length: 250 }, (_, i) => text(di * 250 + i))));
    await bus.publish(Topics.chunksProcessed, all.map((c) => encode(Topics.chunksProcessed, c)));

    const ids = new Set<string>();
    await until(() => {
      for (const r of ready.splice(0)) ids.add(`${r.chunk_id}|${r.document_id}|${r.chunk_index}|${r.chunk_count}|${r.vector.length}|${r.model}`);
      return ids.size >= all.length;
    }, '5000 embeddings');

    expect(ids).toEqual(new Set(all.map((c) => `${c.chunk_id}|${c.document_id}|${c.chunk_index}|${c.chunk_count}|${DIMS}|${embedder.model}`)));
    expect(embedder.requests.reduce((s, r) => s + r.inputs, 0)).toBe(all.length);
    for (const r of embedder.requests) {
      expect(r.inputs).toBeLessThanOrEqual(250);
      expect(r.tokens).toBeLessThanOrEqual(limits.maxTokensPerRequest);
      expect(r.maxInputTokens).toBeLessThanOrEqual(limits.maxTokensPerInput);
    }
    // The token budget, not the input cap, must have split some requests, or the test proves less than it says.
    expect(embedder.requests.some((r) => r.inputs < 250 && r.tokens > limits.maxTokensPerRequest / 2)).toBe(true);
    expect(embedder.peakInFlight).toBeLessThanOrEqual(3);
    const metrics = await registry.getSingleMetricAsString('docpipe_embedding_chunks_embedded_total');
    expect(metrics).toMatch(/ 5000$/m);
  });

  it('dead-letters a poison message and an oversized chunk while the rest of their batch is embedded', async () => {
    const embedder = new RecordingEmbedder({ maxInputsPerRequest: 2048, maxTokensPerRequest: 300_000, maxTokensPerInput: 50 });
    const { bus } = await start(embedder);
    const ready: EmbeddingReady[] = [];
    const dlq: DocumentDlq[] = [];
    open.push(await collect(bus, Topics.embeddingsReady, ready), await collect(bus, Topics.documentsDlq, dlq));

    const doc = randomUUID();
    const chunks = chunksOf(doc, ['short one', 'word '.repeat(120).trim(), 'short two']);
    const poison = { key: doc, value: Buffer.from(JSON.stringify({ document_id: doc, company_id: 'acme', text: '' })), headers: {} };
    await bus.publish(Topics.chunksProcessed, [...chunks.map((c) => encode(Topics.chunksProcessed, c)), poison]);

    await until(() => ready.length >= 2 && dlq.length >= 2, 'embeddings and dead letters');
    expect(ready.map((r) => r.chunk_index).sort()).toEqual([0, 2]);
    expect(dlq.every((d) => d.stage === 'embedding' && d.document_id === doc && d.source_topic === Topics.chunksProcessed)).toBe(true);
    expect(dlq.map((d) => d.error).join('\n')).toMatch(/120 tokens, over the limit of 50 tokens per input/);
    expect(dlq.map((d) => d.error).join('\n')).toMatch(/invalid chunks\.processed payload/);
    expect(embedder.requests.every((r) => r.maxInputTokens <= 50)).toBe(true);
  });

  it('redelivers a batch after a transient embedder failure until every chunk is embedded', async () => {
    const embedder = new RecordingEmbedder({ maxInputsPerRequest: 10, maxTokensPerRequest: 300_000, maxTokensPerInput: 8192 });
    embedder.failuresLeft = 3;
    const { bus, registry } = await start(embedder);
    const ready: EmbeddingReady[] = [];
    const dlq: DocumentDlq[] = [];
    open.push(await collect(bus, Topics.embeddingsReady, ready), await collect(bus, Topics.documentsDlq, dlq));

    const doc = randomUUID();
    const chunks = chunksOf(doc, Array.from({ length: 40 }, (_, i) => text(i)));
    await bus.publish(Topics.chunksProcessed, chunks.map((c) => encode(Topics.chunksProcessed, c)));

    await until(() => new Set(ready.map((r) => r.chunk_id)).size === chunks.length, 'all chunks embedded after retries');
    expect(new Set(ready.map((r) => r.chunk_id))).toEqual(new Set(chunks.map((c) => c.chunk_id)));
    expect(dlq).toEqual([]);
    expect(embedder.failuresLeft).toBe(0);
    expect(await registry.getSingleMetricAsString('docpipe_embedding_request_failures_total')).toMatch(/ 3$/m);
  });

  it('refuses to start when the embedder and EMBEDDING_DIMENSIONS disagree', async () => {
    const bus = await openEmbeddedEventBus({ logger });
    open.push({ stop: () => bus.close() });
    const config = loadEmbeddingConfig({ EMBEDDING_DIMENSIONS: '8' });
    await expect(
      startEmbedding({ bus, embedder: new LocalEmbedder({ dimensions: 16 }), logger, config, registry: createRegistry('x') }),
    ).rejects.toThrow(/16-dimensional.*EMBEDDING_DIMENSIONS is 8/);
  });
});

describe('loadEmbeddingConfig', () => {
  it('has the documented defaults', () => {
    expect(loadEmbeddingConfig({})).toMatchObject({
      EMBEDDING_MODEL: 'text-embedding-3-small', EMBEDDING_DIMENSIONS: 1536, EMBEDDING_MAX_BATCH_INPUTS: 2048,
      EMBEDDING_MAX_BATCH_TOKENS: 300_000, EMBEDDING_CONCURRENCY: 4, CONSUMER_MAX_BATCH: 500, OPS_PORT: 9091,
    });
  });

  it('names a bad variable', () => {
    expect(() => loadEmbeddingConfig({ EMBEDDING_CONCURRENCY: 'many' })).toThrow(/EMBEDDING_CONCURRENCY/);
  });
});
