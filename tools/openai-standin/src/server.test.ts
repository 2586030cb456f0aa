import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalEmbedder } from '@docpipe/runtime';
import { startOpenAiStandin, type OpenAiStandin } from './index.js';

let standin: OpenAiStandin;
const client = (opts: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}): OpenAI =>
  new OpenAI({ apiKey: 'sk-test', baseURL: standin.url, maxRetries: 0, ...opts });

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

async function rawPost(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${standin.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
    body,
  });
}

describe('POST /v1/embeddings through the openai SDK', () => {
  it('answers the SDK default (base64) with the local embedder vectors in input order', async () => {
    const texts = ['alpha beta', 'gamma', 'delta epsilon zeta'];
    const res = await client().embeddings.create({ model: 'text-embedding-3-small', input: texts });
    const expected = await new LocalEmbedder({ dimensions: 1536 }).embed(texts);
    expect(res.object).toBe('list');
    expect(res.model).toBe('text-embedding-3-small');
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 2]);
    res.data.forEach((d, i) => {
      expect(d.embedding).toHaveLength(1536);
      expect(d.embedding).toEqual(expected[i]!.map((x) => Math.fround(x)));
    });
    expect(res.usage.prompt_tokens).toBeGreaterThan(0);
    expect(res.usage.total_tokens).toBe(res.usage.prompt_tokens);
  });

  it('gives the same numbers for encoding_format float and base64', async () => {
    const input = 'the same text twice';
    const asFloat = await client().embeddings.create({ model: 'text-embedding-3-small', input, encoding_format: 'float' });
    const asBase64 = await client().embeddings.create({ model: 'text-embedding-3-small', input });
    expect(asFloat.data[0]!.embedding).toEqual(asBase64.data[0]!.embedding);
  });

  it('honours dimensions on text-embedding-3-* and knows each model size', async () => {
    const short = await client().embeddings.create({ model: 'text-embedding-3-small', input: 'x y z', dimensions: 256 });
    expect(short.data[0]!.embedding).toHaveLength(256);
    const large = await client().embeddings.create({ model: 'text-embedding-3-large', input: 'x y z' });
    expect(large.data[0]!.embedding).toHaveLength(3072);
    const ada = await client().embeddings.create({ model: 'text-embedding-ada-002', input: 'x y z' });
    expect(ada.data[0]!.embedding).toHaveLength(1536);
  });

  it('accepts token arrays and counts their tokens', async () => {
    const res = await client().embeddings.create({ model: 'text-embedding-3-small', input: [[9906, 1917], [15339]] });
    expect(res.data).toHaveLength(2);
    expect(res.usage.prompt_tokens).toBe(3);
  });

  it('sends x-request-id and the x-ratelimit-* headers', async () => {
    const { response } = await client().embeddings.create({ model: 'text-embedding-3-small', input: 'hello' }).withResponse();
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(Number(response.headers.get('x-ratelimit-limit-requests'))).toBeGreaterThan(0);
    expect(Number(response.headers.get('x-ratelimit-remaining-requests'))).toBeLessThan(Number(response.headers.get('x-ratelimit-limit-requests')));
    expect(Number(response.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(Number(response.headers.get('x-ratelimit-limit-tokens')));
    expect(response.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(ms|(\.\d+)?s)$/);
    expect(response.headers.get('x-ratelimit-reset-tokens')).toMatch(/^\d+(ms|(\.\d+)?s)$/);
  });
});

describe('OpenAI errors', () => {
  const expectApiError = async (promise: Promise<unknown>, status: number, fields: { code?: string | null; type?: string }) => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const apiErr = err as InstanceType<typeof OpenAI.APIError>;
    expect(apiErr.status).toBe(status);
    if ('code' in fields) expect(apiErr.code).toBe(fields.code);
    if (fields.type) expect(apiErr.type).toBe(fields.type);
    return apiErr;
  };

  it('401 without a bearer token, with OpenAI error body', async () => {
    const res = await fetch(`${standin.url}/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'text-embedding-3-small', input: 'x' }),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(body.error['message']).toMatch(/didn't provide an API key/);
  });

  it('401 invalid_api_key when a key is configured and another is sent', async () => {
    standin.configure({ apiKey: 'sk-right' });
    const err = await expectApiError(client().embeddings.create({ model: 'text-embedding-3-small', input: 'x' }), 401, { code: 'invalid_api_key' });
    expect(err.message).not.toContain('sk-test');
    await expect(client({ apiKey: 'sk-right' }).embeddings.create({ model: 'text-embedding-3-small', input: 'x' })).resolves.toBeDefined();
  });

  it('404 model_not_found for an unknown model', async () => {
    await expectApiError(client().embeddings.create({ model: 'text-embedding-4-huge', input: 'x' }), 404, { code: 'model_not_found' });
  });

  it('400 for more than 2048 inputs, an empty string, and an empty list', async () => {
    const many = Array.from({ length: 2049 }, (_, i) => `t${i}`);
    await expectApiError(client().embeddings.create({ model: 'text-embedding-3-small', input: many }), 400, { type: 'invalid_request_error' });
    await expectApiError(client().embeddings.create({ model: 'text-embedding-3-small', input: ['ok', ''] }), 400, {});
    await expectApiError(client().embeddings.create({ model: 'text-embedding-3-small', input: [] }), 400, {});
    const exactly = Array.from({ length: 2048 }, (_, i) => `t${i}`);
    const ok = await client().embeddings.create({ model: 'text-embedding-3-small', input: exactly, dimensions: 8 });
    expect(ok.data).toHaveLength(2048);
  });

  it('400 for an input over 8192 tokens, accepts exactly 8192', async () => {
    // 279 is ' the': a text of words, which the tokenizer splits (and re-encodes) quickly.
    const tooLong = Array.from({ length: 8193 }, () => 279);
    const err = await expectApiError(client().embeddings.create({ model: 'text-embedding-3-small', input: [tooLong] }), 400, {});
    expect(err.message).toContain('maximum context length is 8192 tokens');
    const ok = await client().embeddings.create({ model: 'text-embedding-3-small', input: [tooLong.slice(1)], dimensions: 8 });
    expect(ok.usage.prompt_tokens).toBe(8192);
  });

  it('400 max_tokens_per_request over 300,000 tokens in one request', async () => {
    const input = Array.from({ length: 37 }, () => Array.from({ length: 8192 }, () => 279));
    expect(37 * 8192).toBeGreaterThan(300_000);
    const err = await expectApiError(client().embeddings.create({ model: 'text-embedding-3-small', input }), 400, {
      code: 'max_tokens_per_request',
      type: 'max_tokens_per_request',
    });
    expect(err.error).toMatchObject({ message: `Requested ${37 * 8192} tokens, max 300000 tokens per request` });
    expect(standin.stats().maxTokens).toBe(0);
  });

  it('400 for dimensions on ada-002 and out of range on 3-small', async () => {
    const ada = await expectApiError(client().embeddings.create({ model: 'text-embedding-ada-002', input: 'x', dimensions: 512 }), 400, {});
    expect(ada.error).toMatchObject({ message: 'This model does not support specifying dimensions.' });
    await expectApiError(client().embeddings.create({ model: 'text-embedding-3-small', input: 'x', dimensions: 1537 }), 400, {});
    await expectApiError(client().embeddings.create({ model: 'text-embedding-3-small', input: 'x', dimensions: 0 }), 400, {});
  });

  it('400 with OpenAI body for JSON that does not parse, 404 for unknown paths', async () => {
    const bad = await rawPost('/embeddings', '{"model":');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/could not parse the JSON body/);
    const lost = await rawPost('/completions', '{}');
    expect(lost.status).toBe(404);
    expect(((await lost.json()) as { error: { message: string } }).error.message).toBe('Invalid URL (POST /v1/completions)');
  });
});

describe('fault injection and budgets', () => {
  it('answers rate429 = 1 with 429 rate_limit_exceeded, retry-after(-ms), and the SDK waits that long before retrying', async () => {
    standin.configure({ rate429: 1, retryAfterMs: 150 });
    const calls: number[] = [];
    const recording: typeof fetch = (input, init) => {
      calls.push(performance.now());
      return fetch(input, init);
    };
    const err = await client({ maxRetries: 2, fetch: recording })
      .embeddings.create({ model: 'text-embedding-3-small', input: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const rl = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rl.code).toBe('rate_limit_exceeded');
    expect(rl.headers?.get('retry-after-ms')).toBe('150');
    expect(rl.headers?.get('retry-after')).toBe('1');
    // The SDK made 1 + maxRetries attempts, each at least retry-after-ms after the previous one.
    expect(calls).toHaveLength(3);
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(140);
    expect(calls[2]! - calls[1]!).toBeGreaterThanOrEqual(140);
    expect(standin.stats()).toMatchObject({ requests: 3, status429: 3, retries: 2, succeeded: 0 });
  });

  it('a seed makes the fault sequence reproducible', async () => {
    const outcomes = async (): Promise<number[]> => {
      standin.configure({ rate429: 0.3, rate5xx: 0.2, retryAfterMs: 0, seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await rawPost('/embeddings', JSON.stringify({ model: 'text-embedding-3-small', input: 'x', dimensions: 4 }));
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      return statuses;
    };
    const first = await outcomes();
    const second = await outcomes();
    expect(second).toEqual(first);
    expect(first.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(first.filter((s) => s >= 500).length).toBeGreaterThan(0);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(0);
  });

  it('5xx carry the generic server_error body', async () => {
    standin.configure({ rate5xx: 1 });
    const res = await rawPost('/embeddings', JSON.stringify({ model: 'text-embedding-3-small', input: 'x' }));
    expect([500, 503]).toContain(res.status);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('server_error');
    expect(standin.stats().status5xx).toBe(1);
  });

  it('a tokens-per-minute budget really throttles, with the wait it needs', async () => {
    standin.configure({ tpm: 600 });
    const input = Array.from({ length: 500 }, () => 279);
    const first = await rawPost('/embeddings', JSON.stringify({ model: 'text-embedding-3-small', input: [input], dimensions: 4 }));
    expect(first.status).toBe(200);
    expect(Number(first.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThanOrEqual(100);
    const second = await rawPost('/embeddings', JSON.stringify({ model: 'text-embedding-3-small', input: [input], dimensions: 4 }));
    expect(second.status).toBe(429);
    const body = (await second.json()) as { error: { type: string; code: string } };
    expect(body.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    // 400 tokens missing at 10 tokens/s: about 40 s.
    expect(Number(second.headers.get('retry-after-ms'))).toBeGreaterThan(35_000);
    expect(standin.stats()).toMatchObject({ throttled: 1, status429: 1, succeeded: 1 });
  });

  it('reports the most requests in flight at once and the largest request', async () => {
    standin.configure({ latencyMs: 100 });
    const c = client();
    await Promise.all(
      [1, 2, 3, 4, 5].map((n) => c.embeddings.create({ model: 'text-embedding-3-small', input: Array.from({ length: n }, () => 'a b'), dimensions: 4 })),
    );
    const stats = standin.stats();
    expect(stats.maxInFlight).toBe(5);
    expect(stats.inFlight).toBe(0);
    expect(stats).toMatchObject({ requests: 5, succeeded: 5, maxInputs: 5, totalInputs: 15, maxTokens: 10, totalTokens: 30 });
  });
});

describe('admin routes', () => {
  it('changes only the fields a configure call names', () => {
    standin.configure({ rate429: 0.5, latencyMs: 3, seed: 9 });
    expect(standin.configure({ rate5xx: 0.1 })).toMatchObject({ rate429: 0.5, rate5xx: 0.1, latencyMs: 3, seed: 9 });
    expect(() => standin.configure({ rate429: 0.2, bogus: 1 } as never)).toThrow(/bogus/);
  });

  it('configures at run time and reports stats over HTTP', async () => {
    const set = await fetch(`${standin.origin}/_standin/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rate429: 1, retryAfterMs: 5 }),
    });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ rate429: 1, retryAfterMs: 5 });
    const res = await rawPost('/embeddings', JSON.stringify({ model: 'text-embedding-3-small', input: 'x' }));
    expect(res.status).toBe(429);
    const stats = (await (await fetch(`${standin.origin}/_standin/stats`)).json()) as Record<string, number>;
    expect(stats).toMatchObject({ requests: 1, status429: 1 });
    const invalid = await fetch(`${standin.origin}/_standin/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rate429: 2 }),
    });
    expect(invalid.status).toBe(400);
    const reset = await fetch(`${standin.origin}/_standin/stats/reset`, { method: 'POST' });
    expect(await reset.json()).toMatchObject({ requests: 0, status429: 0 });
  });
});
