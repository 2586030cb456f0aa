import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiStandin, type OpenAiStandin } from '@docpipe/openai-standin';
import { parseConfig } from '../../config.js';
import { createLogger } from '../../logging.js';
import { LocalEmbedder } from '../local/embedder.js';
import { OpenAiConfig, openAiEmbedderOptions } from './config.js';
import { OpenAiEmbedder, type OpenAiEmbedderOptions } from './embedder.js';
import { OpenAiEmbeddingError } from './errors.js';

let standin: OpenAiStandin;

beforeAll(async () => {
  standin = await startOpenAiStandin();
});
afterAll(async () => {
  await standin.stop();
});
afterEach(() => {
  standin.configure({ rate429: 0, rate5xx: 0, latencyMs: 0, retryAfterMs: 1000, tpm: null, rpm: null, seed: 1, apiKey: null });
  standin.resetStats();
});

const embedder = (opts: Partial<OpenAiEmbedderOptions> = {}): OpenAiEmbedder =>
  new OpenAiEmbedder({ apiKey: 'sk-test', baseURL: standin.url, model: 'text-embedding-3-small', ...opts });

async function failure(promise: Promise<unknown>): Promise<OpenAiEmbeddingError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenAiEmbeddingError);
  return err as OpenAiEmbeddingError;
}

describe('OpenAiEmbedder against the stand-in', () => {
  it('returns one vector per input, in input order, with OpenAI limits', async () => {
    const texts = ['first text', 'second, longer text', 'third'];
    const e = embedder();
    const vectors = await e.embed(texts);
    const expected = await new LocalEmbedder({ dimensions: 1536 }).embed(texts);
    expect(vectors).toEqual(expected.map((v) => v.map((x) => Math.fround(x))));
    expect(e).toMatchObject({ model: 'text-embedding-3-small', dimensions: 1536, limits: { maxInputsPerRequest: 2048, maxTokensPerRequest: 300_000, maxTokensPerInput: 8192 } });
    expect(standin.stats()).toMatchObject({ requests: 1, succeeded: 1, totalInputs: 3 });
  });

  it('gets through 30 % of 429s: every call succeeds, and the 429s were served and retried', async () => {
    standin.configure({ rate429: 0.3, retryAfterMs: 5, seed: 7 });
    const e = embedder({ concurrency: 4 });
    const calls = Array.from({ length: 40 }, (_, i) => e.embed([`document ${i}`, `chunk ${i}`]));
    const results = await Promise.all(calls);
    expect(results.every((r) => r.length === 2 && r[0]!.length === 1536)).toBe(true);
    const stats = standin.stats();
    expect(stats.status429).toBeGreaterThan(5);
    expect(stats.retries).toBe(stats.status429);
    expect(stats.succeeded).toBe(40);
    expect(stats.requests).toBe(40 + stats.status429);
  });

  it('retries 5xx with backoff until they pass', async () => {
    standin.configure({ rate5xx: 0.3, seed: 3 });
    const e = embedder({ concurrency: 4 });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => e.embed([`text ${i}`])));
    expect(results).toHaveLength(6);
    const stats = standin.stats();
    expect(stats.status5xx).toBeGreaterThan(0);
    expect(stats.succeeded).toBe(6);
  });

  it('throws a transient error with status 429 once retries are exhausted', async () => {
    standin.configure({ rate429: 1, retryAfterMs: 1 });
    const err = await failure(embedder({ maxRetries: 2 }).embed(['x']));
    expect(err).toMatchObject({ status: 429, permanent: false, retriable: true, code: 'rate_limit_exceeded' });
    expect(err.requestId).toMatch(/^req_/);
    expect(standin.stats()).toMatchObject({ requests: 3, status429: 3 });
  });

  it('throws a transient error without status when the endpoint cannot be reached', async () => {
    const gone = await startOpenAiStandin();
    await gone.stop();
    const err = await failure(new OpenAiEmbedder({ apiKey: 'k', baseURL: gone.url, model: 'text-embedding-3-small', maxRetries: 0 }).embed(['x']));
    expect(err).toMatchObject({ status: undefined, permanent: false });
  });

  it.each([
    ['more than 2048 inputs', () => Array.from({ length: 2049 }, (_, i) => `t${i}`), 'invalid_request_error'],
    ['an input over 8192 tokens', () => [' the'.repeat(8193)], 'invalid_request_error'],
    ['over 300,000 tokens in the request', () => Array.from({ length: 37 }, () => ' the'.repeat(8192)), 'max_tokens_per_request'],
    ['an empty string', () => ['ok', ''], 'invalid_request_error'],
  ])('makes %s a permanent 400, not retried', async (_name, inputs, type) => {
    const err = await failure(embedder().embed(inputs()));
    expect(err).toMatchObject({ status: 400, permanent: true, retriable: false, type });
    expect(standin.stats()).toMatchObject({ requests: 1, retries: 0 });
  });

  it('keeps a wrong key (401) and an unknown model (404) transient: configuration errors hold the backlog, never dead-letter it', async () => {
    standin.configure({ apiKey: 'sk-right' });
    expect(await failure(embedder({ apiKey: 'sk-wrong' }).embed(['x']))).toMatchObject({ status: 401, permanent: false, code: 'invalid_api_key' });
    const unknown = await failure(embedder({ apiKey: 'sk-right', model: 'text-embedding-9', dimensions: 64 }).embed(['x']));
    expect(unknown).toMatchObject({ status: 404, permanent: false, code: 'model_not_found' });
    expect(standin.stats()).toMatchObject({ requests: 2, retries: 0 });
  });

  it('asks for the configured dimensions, and sends none when they are the native size', async () => {
    const short = await embedder({ dimensions: 256 }).embed(['a', 'b']);
    expect(short.map((v) => v.length)).toEqual([256, 256]);
    // ada-002 answers 400 to any `dimensions`: 1536 is its native size, so it is not sent.
    const ada = embedder({ model: 'text-embedding-ada-002', dimensions: 1536 });
    expect((await ada.embed(['a']))[0]).toHaveLength(1536);
    expect((await embedder({ model: 'text-embedding-3-large' }).embed(['a']))[0]).toHaveLength(3072);
    expect(() => embedder({ model: 'my-own-model' })).toThrow(/EMBEDDING_DIMENSIONS is required/);
  });

  it('fails permanently on another vector size than configured, transiently on a short answer', async () => {
    // An OpenAI-compatible endpoint that ignores `dimensions` and answers one 3-float vector (base64, as the SDK asks).
    const vector = Buffer.alloc(12);
    [0.5, -0.25, 1].forEach((x, i) => vector.writeFloatLE(x, i * 4));
    const server = createServer((req, res) => {
      req.resume().on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ object: 'list', model: 'm', data: [{ object: 'embedding', index: 0, embedding: vector.toString('base64') }], usage: { prompt_tokens: 1, total_tokens: 1 } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      expect(await new OpenAiEmbedder({ apiKey: 'k', baseURL, model: 'other', dimensions: 3 }).embed(['a'])).toEqual([[0.5, -0.25, 1]]);
      const wrongSize = await failure(new OpenAiEmbedder({ apiKey: 'k', baseURL, model: 'other', dimensions: 4 }).embed(['a']));
      expect(wrongSize).toMatchObject({ permanent: true });
      expect(wrongSize.message).toMatch(/3 dimensions, 4 configured/);
      const short = await failure(new OpenAiEmbedder({ apiKey: 'k', baseURL, model: 'other', dimensions: 3 }).embed(['a', 'b']));
      expect(short).toMatchObject({ permanent: false });
      expect(short.message).toMatch(/1 embeddings for 2 inputs/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('keeps at most `concurrency` requests in flight across concurrent embed() calls', async () => {
    standin.configure({ latencyMs: 40 });
    const e = embedder({ concurrency: 3 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => e.embed([`text ${i}`])));
    expect(results).toHaveLength(12);
    expect(standin.stats()).toMatchObject({ requests: 12, succeeded: 12, maxInFlight: 3 });
  });

  it('logs failures and SDK retries without the API key', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ name: 'test', level: 'trace', format: 'json', destination });
    standin.configure({ rate429: 1, retryAfterMs: 1 });
    await failure(embedder({ apiKey: 'sk-secret-key-1234', maxRetries: 1, logger }).embed(['x']));
    const log = lines.join('');
    expect(log).toContain('embeddings request failed');
    expect(log).toContain('retrying');
    expect(log).not.toContain('sk-secret-key-1234');
  });
});

describe('OpenAiConfig', () => {
  it('applies the defaults and maps to embedder options', () => {
    const config = parseConfig(OpenAiConfig, { OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: 'http://127.0.0.1:15100/v1' });
    expect(config).toMatchObject({ EMBEDDING_MODEL: 'text-embedding-3-small', OPENAI_MAX_RETRIES: 8, OPENAI_TIMEOUT_MS: 60_000, OPENAI_CONCURRENCY: 4 });
    expect(config.EMBEDDING_DIMENSIONS).toBeUndefined();
    expect(openAiEmbedderOptions(config)).toMatchObject({ apiKey: 'sk-x', baseURL: 'http://127.0.0.1:15100/v1', model: 'text-embedding-3-small', maxRetries: 8, concurrency: 4 });
  });

  it('names a missing key and bad numbers', () => {
    expect(() => parseConfig(OpenAiConfig, {})).toThrow(/OPENAI_API_KEY/);
    expect(() => parseConfig(OpenAiConfig, { OPENAI_API_KEY: 'k', OPENAI_CONCURRENCY: '0' })).toThrow(/OPENAI_CONCURRENCY/);
    expect(() => parseConfig(OpenAiConfig, { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'not a url' })).toThrow(/OPENAI_BASE_URL/);
  });
});
