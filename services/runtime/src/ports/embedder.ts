/** The limits of one embeddings request (OpenAI's, by default). */
export interface EmbedderLimits {
  maxInputsPerRequest: number;
  maxTokensPerRequest: number;
  maxTokensPerInput: number;
}

/** OpenAI's documented limits for /v1/embeddings. */
export const OPENAI_EMBEDDING_LIMITS: EmbedderLimits = {
  maxInputsPerRequest: 2048,
  maxTokensPerRequest: 300_000,
  maxTokensPerInput: 8192,
};

/**
 * Embedder — OpenAI in production, a deterministic local embedder in local
 * mode (DESIGN §6). Callers keep every request within `limits`.
 */
export interface Embedder {
  readonly model: string;
  readonly dimensions: number;
  readonly limits: EmbedderLimits;
  /** One vector per input, in input order. Rejects with a retriable error on throttling/5xx. */
  embed(inputs: string[]): Promise<number[][]>;
}
