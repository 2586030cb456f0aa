import { describe, expect, it } from 'vitest';
import { OPENAI_EMBEDDING_LIMITS } from '../../ports/embedder.js';
import { EmbeddingRequestError, LocalEmbedder } from './embedder.js';

function cosine(a: number[], b: number[]): number {
  return a.reduce((sum, x, i) => sum + x * b[i]!, 0);
}

describe('LocalEmbedder', () => {
  const embedder = new LocalEmbedder();

  it('has the defaults and OpenAI limits', () => {
    expect(embedder.model).toBe('local-hash-embedding-v1');
    expect(embedder.dimensions).toBe(1536);
    expect(embedder.limits).toEqual(OPENAI_EMBEDDING_LIMITS);
  });

  it('returns one unit vector per input, deterministically', async () => {
    const [a, b] = await embedder.embed(['the quick brown fox', 'the quick brown fox']);
    expect(a).toHaveLength(1536);
    expect(a).toEqual(b);
    expect(cosine(a!, a!)).toBeCloseTo(1, 10);
    const [again] = await new LocalEmbedder().embed(['the quick brown fox']);
    expect(again).toEqual(a);
  });

  it('ranks similar texts above unrelated ones', async () => {
    const [base, similar, unrelated] = await embedder.embed([
      'Invoices are due within thirty days of the delivery date.',
      'Invoices are payable within thirty days after delivery.',
      'The mitochondria is the powerhouse of the cell.',
    ]);
    expect(cosine(base!, similar!)).toBeGreaterThan(cosine(base!, unrelated!) + 0.2);
  });

  it('honours custom dimensions and model', async () => {
    const small = new LocalEmbedder({ dimensions: 8, model: 'tiny' });
    const [v] = await small.embed(['hello <|endoftext|> world']);
    expect(v).toHaveLength(8);
    expect(small.model).toBe('tiny');
    expect(() => new LocalEmbedder({ dimensions: 0 })).toThrow(RangeError);
  });

  it('rejects requests the real API would reject, as permanent 400s', async () => {
    const limits = OPENAI_EMBEDDING_LIMITS;
    const cases: Array<[string[], RegExp]> = [
      [[], /must not be empty/],
      [['ok', ''], /input\[1\] is an empty string/],
      [Array(limits.maxInputsPerRequest + 1).fill('x'), /2049 inputs/],
      [['hello '.repeat(limits.maxTokensPerInput + 10)], /limit is 8192 per input/],
      [Array(40).fill('hello '.repeat(8000)), /limit is 300000 per request/],
    ];
    for (const [inputs, message] of cases) {
      const error = await embedder.embed(inputs).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmbeddingRequestError);
      expect((error as Error).message).toMatch(message);
      expect((error as EmbeddingRequestError).status).toBe(400);
    }
  });

  it('accepts a request exactly at the limits', async () => {
    const vectors = await embedder.embed(Array(OPENAI_EMBEDDING_LIMITS.maxInputsPerRequest).fill('a'));
    expect(vectors).toHaveLength(2048);
  });
});
