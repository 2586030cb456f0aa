import { ConfigError, createLogger } from '@docpipe/runtime';
import { describe, expect, it } from 'vitest';
import { loadEmbeddingMainConfig, openAiOptionsOf } from './main-config.js';

const logger = createLogger({ name: 'test', level: 'silent', format: 'json' });
const KAFKA = { KAFKA_BROKERS: '127.0.0.1:9092' };

describe('the embedding process configuration', () => {
  it('needs an API key for OpenAI, and none for the local embedder', () => {
    expect(() => loadEmbeddingMainConfig(KAFKA)).toThrow(ConfigError);
    expect(() => loadEmbeddingMainConfig(KAFKA)).toThrow(/OPENAI_API_KEY: required when EMBEDDER=openai/);
    const local = loadEmbeddingMainConfig({ ...KAFKA, EMBEDDER: 'local' });
    expect([local.EMBEDDER, local.OPENAI_API_KEY, local.AWS_REGION]).toEqual(['local', undefined, undefined]);
    expect(() => loadEmbeddingMainConfig({ ...KAFKA, EMBEDDER: 'cohere' })).toThrow(/EMBEDDER: expected one of openai\|local/);
  });

  it("gives the OpenAI embedder the worker's model, dimensions and concurrency", () => {
    const config = loadEmbeddingMainConfig({
      ...KAFKA,
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: 'http://127.0.0.1:9999/v1',
      EMBEDDING_MODEL: 'text-embedding-3-large',
      EMBEDDING_DIMENSIONS: '256',
      EMBEDDING_CONCURRENCY: '7',
      OPENAI_MAX_RETRIES: '3',
    });
    expect(openAiOptionsOf(config, logger)).toMatchObject({
      apiKey: 'sk-test',
      baseURL: 'http://127.0.0.1:9999/v1',
      model: 'text-embedding-3-large',
      dimensions: 256,
      concurrency: 7,
      maxRetries: 3,
      timeoutMs: 60_000,
    });
  });
});
