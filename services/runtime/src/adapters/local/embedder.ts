import { OPENAI_EMBEDDING_LIMITS, type Embedder, type EmbedderLimits } from '../../ports/embedder.js';
import { encodeTokens } from '../../tokenizer.js';

export interface LocalEmbedderOptions {
  /** Default 1536, like text-embedding-3-small. */
  dimensions?: number;
  model?: string;
}

/**
 * A request the API would refuse with 400: permanent, retrying cannot help.
 * Carries `status` like the OpenAI client's BadRequestError.
 */
export class EmbeddingRequestError extends Error {
  readonly status = 400;
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddingRequestError';
  }
}

const BIGRAM_WEIGHT = 0.5;

/** Inputs embedded between two yields to the event loop. */
const YIELD_EVERY = 16;

/**
 * Deterministic embeddings without a network: cl100k tokens and token
 * bigrams hashed into signed buckets, L2-normalised. Similar texts share
 * features, so their cosine is higher than unrelated texts'. Enforces
 * OpenAI's request limits so the batching code is exercised in local mode.
 */
export class LocalEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  readonly limits: EmbedderLimits = OPENAI_EMBEDDING_LIMITS;

  constructor(opts: LocalEmbedderOptions = {}) {
    this.dimensions = opts.dimensions ?? 1536;
    this.model = opts.model ?? 'local-hash-embedding-v1';
    if (!Number.isInteger(this.dimensions) || this.dimensions < 1) {
      throw new RangeError(`dimensions must be a positive integer, got ${this.dimensions}`);
    }
  }

  async embed(inputs: string[]): Promise<number[][]> {
    const tokenized = this.check(inputs);
    const vectors: number[][] = [];
    for (let i = 0; i < tokenized.length; i++) {
      // In local mode this runs on the event loop every service shares: yield
      // now and then, so a 2048-input request does not stall HTTP requests.
      if (i > 0 && i % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      vectors.push(this.vector(tokenized[i]!));
    }
    return vectors;
  }

  /** Rejects what the real API rejects; returns each input's tokens. */
  private check(inputs: string[]): number[][] {
    const { maxInputsPerRequest, maxTokensPerInput, maxTokensPerRequest } = this.limits;
    if (inputs.length === 0) throw new EmbeddingRequestError('input must not be empty');
    if (inputs.length > maxInputsPerRequest) {
      throw new EmbeddingRequestError(`${inputs.length} inputs in one request; the limit is ${maxInputsPerRequest}`);
    }
    let total = 0;
    const tokenized = inputs.map((text, i) => {
      if (typeof text !== 'string' || text.length === 0) throw new EmbeddingRequestError(`input[${i}] is an empty string`);
      const tokens = encodeTokens(text);
      if (tokens.length > maxTokensPerInput) {
        throw new EmbeddingRequestError(`input[${i}] has ${tokens.length} tokens; the limit is ${maxTokensPerInput} per input`);
      }
      total += tokens.length;
      return tokens;
    });
    if (total > maxTokensPerRequest) {
      throw new EmbeddingRequestError(`request has ${total} tokens; the limit is ${maxTokensPerRequest} per request`);
    }
    return tokenized;
  }

  private vector(tokens: number[]): number[] {
    const v = new Float64Array(this.dimensions);
    for (let i = 0; i < tokens.length; i++) {
      this.add(v, mix(tokens[i]!), 1);
      if (i > 0) this.add(v, mix(mix(tokens[i - 1]!) ^ (tokens[i]! + 0x9e3779b9)), BIGRAM_WEIGHT);
    }
    return normalise(v);
  }

  private add(v: Float64Array, hash: number, weight: number): void {
    const bucket = (hash >>> 0) % this.dimensions;
    const sign = mix(hash ^ 0x5bd1e995) & 1 ? 1 : -1;
    v[bucket]! += sign * weight;
  }
}

/** A 32-bit integer finaliser (murmur3's fmix32): spreads token ids over all bits. */
function mix(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function normalise(v: Float64Array): number[] {
  let sum = 0;
  for (const x of v) sum += x * x;
  // Features can cancel out exactly; a zero vector has no direction, so give it one.
  if (sum === 0) v[0] = 1;
  const norm = sum === 0 ? 1 : Math.sqrt(sum);
  return Array.from(v, (x) => x / norm);
}
