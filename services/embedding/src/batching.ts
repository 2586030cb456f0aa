import type { EmbedderLimits } from '@docpipe/runtime';

/** The embedder's limits, optionally narrowed by configuration. */
export type BatchLimits = EmbedderLimits & {
  /** Configured cap on inputs per request; the smaller of this and the embedder's wins. */
  maxInputs?: number;
  /** Configured cap on tokens per request; the smaller of this and the embedder's wins. */
  maxTokens?: number;
};

/** Requests to send, in input order, and the items no request may carry. */
export interface BatchPlan<T> {
  batches: T[][];
  /** Items over the per-input limit (or over a whole request's budget): dead-letter them. */
  oversized: T[];
}

interface EffectiveLimits {
  inputs: number;
  tokens: number;
  perInput: number;
}

/** The tightest limits of the embedder and the configuration. */
export function effectiveLimits(limits: BatchLimits): EffectiveLimits {
  const inputs = Math.min(limits.maxInputsPerRequest, limits.maxInputs ?? Infinity);
  const tokens = Math.min(limits.maxTokensPerRequest, limits.maxTokens ?? Infinity);
  if (!(inputs >= 1) || !(tokens >= 1)) {
    throw new RangeError(`batch limits must allow at least one input and one token (inputs=${inputs}, tokens=${tokens})`);
  }
  // An item that could never fit a request is as unsendable as one over the per-input limit.
  return { inputs, tokens, perInput: Math.min(limits.maxTokensPerInput, tokens) };
}

/**
 * Splits items into embeddings requests greedily, keeping their order: every
 * request stays within both the input-count and the token budget. Items that
 * no request may carry come back in `oversized` instead of failing the rest.
 */
export function planBatches<T extends { tokens: number }>(items: readonly T[], limits: BatchLimits): BatchPlan<T> {
  const max = effectiveLimits(limits);
  const batches: T[][] = [];
  const oversized: T[] = [];
  let current: T[] = [];
  let currentTokens = 0;
  for (const item of items) {
    if (item.tokens > max.perInput) {
      oversized.push(item);
      continue;
    }
    if (current.length === max.inputs || currentTokens + item.tokens > max.tokens) {
      batches.push(current);
      current = [];
      currentTokens = 0;
    }
    current.push(item);
    currentTokens += item.tokens;
  }
  if (current.length > 0) batches.push(current);
  return { batches, oversized };
}
