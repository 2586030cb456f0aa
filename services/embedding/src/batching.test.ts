import { describe, expect, it } from 'vitest';
import { effectiveLimits, planBatches, type BatchLimits } from './batching.js';

interface Item {
  id: number;
  tokens: number;
}

/** mulberry32: a tiny seeded PRNG, so a failing case can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCase(seed: number): { items: Item[]; limits: BatchLimits } {
  const r = rng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const limits: BatchLimits = {
    maxInputsPerRequest: int(1, 50),
    maxTokensPerRequest: int(1, 2000),
    maxTokensPerInput: int(1, 600),
  };
  if (r() < 0.5) limits.maxInputs = int(1, 60);
  if (r() < 0.5) limits.maxTokens = int(1, 2500);
  const items = Array.from({ length: int(0, 400) }, (_, id) => ({ id, tokens: int(1, 700) }));
  return { items, limits };
}

describe('planBatches', () => {
  it('keeps every request within the tightest input and token limits (property)', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const { items, limits } = randomCase(seed);
      const max = effectiveLimits(limits);
      const { batches } = planBatches(items, limits);
      for (const batch of batches) {
        expect(batch.length, `seed ${seed}`).toBeGreaterThan(0);
        expect(batch.length, `seed ${seed}`).toBeLessThanOrEqual(max.inputs);
        expect(batch.reduce((s, i) => s + i.tokens, 0), `seed ${seed}`).toBeLessThanOrEqual(max.tokens);
        for (const item of batch) expect(item.tokens, `seed ${seed}`).toBeLessThanOrEqual(limits.maxTokensPerInput);
      }
    }
  });

  it('places every item exactly once, in order, oversized ones apart (property)', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const { items, limits } = randomCase(seed);
      const max = effectiveLimits(limits);
      const { batches, oversized } = planBatches(items, limits);
      const sent = batches.flat();
      expect(sent.map((i) => i.id), `seed ${seed}`).toEqual(items.filter((i) => i.tokens <= max.perInput).map((i) => i.id));
      expect(oversized.map((i) => i.id), `seed ${seed}`).toEqual(items.filter((i) => i.tokens > max.perInput).map((i) => i.id));
    }
  });

  it('packs greedily: a request is closed only when the next item would not fit', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const { items, limits } = randomCase(seed);
      const max = effectiveLimits(limits);
      const { batches } = planBatches(items, limits);
      for (let b = 0; b + 1 < batches.length; b++) {
        const batch = batches[b]!;
        const next = batches[b + 1]![0]!;
        const tokens = batch.reduce((s, i) => s + i.tokens, 0);
        expect(batch.length === max.inputs || tokens + next.tokens > max.tokens, `seed ${seed}`).toBe(true);
      }
    }
  });

  it('splits on the input limit and on the token budget', () => {
    const limits = { maxInputsPerRequest: 2, maxTokensPerRequest: 10, maxTokensPerInput: 8 };
    const items = [4, 4, 4, 7, 3, 1].map((tokens, id) => ({ id, tokens }));
    expect(planBatches(items, limits).batches.map((b) => b.map((i) => i.id))).toEqual([[0, 1], [2], [3, 4], [5]]);
  });

  it('sets aside an item over the per-input limit and carries on', () => {
    const limits = { maxInputsPerRequest: 10, maxTokensPerRequest: 100, maxTokensPerInput: 8 };
    const items = [3, 9, 2].map((tokens, id) => ({ id, tokens }));
    const plan = planBatches(items, limits);
    expect(plan.batches.map((b) => b.map((i) => i.id))).toEqual([[0, 2]]);
    expect(plan.oversized.map((i) => i.id)).toEqual([1]);
  });

  it('lets configuration narrow the embedder limits but never widen them', () => {
    const limits = { maxInputsPerRequest: 3, maxTokensPerRequest: 100, maxTokensPerInput: 50, maxInputs: 10, maxTokens: 20 };
    expect(effectiveLimits(limits)).toEqual({ inputs: 3, tokens: 20, perInput: 20 });
    const plan = planBatches([{ id: 0, tokens: 30 }], limits);
    expect(plan.oversized).toHaveLength(1);
  });

  it('returns no requests for no items', () => {
    expect(planBatches([], { maxInputsPerRequest: 1, maxTokensPerRequest: 1, maxTokensPerInput: 1 })).toEqual({ batches: [], oversized: [] });
  });

  it('refuses limits that allow nothing', () => {
    expect(() => effectiveLimits({ maxInputsPerRequest: 0, maxTokensPerRequest: 1, maxTokensPerInput: 1 })).toThrow(RangeError);
  });
});
