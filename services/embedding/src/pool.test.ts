import { describe, expect, it } from 'vitest';
import { createLimiter, mapWithLimiter } from './pool.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('mapWithLimiter', () => {
  it('keeps results in input order and never exceeds the limit, even across concurrent runs', async () => {
    let inFlight = 0;
    let peak = 0;
    const limiter = createLimiter(3);
    const task = async (n: number): Promise<number> => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      for (let i = 0; i < n; i++) await tick();
      inFlight--;
      return n * 10;
    };
    const [a, b] = await Promise.all([mapWithLimiter([5, 1, 4, 2], limiter, task), mapWithLimiter([3, 0, 6], limiter, task)]);
    expect(a).toEqual([50, 10, 40, 20]);
    expect(b).toEqual([30, 0, 60]);
    expect(peak).toBe(3);
  });

  it('rejects with the first error and starts no queued task after it', async () => {
    const started: number[] = [];
    const run = mapWithLimiter([0, 1, 2, 3, 4, 5], createLimiter(2), async (n) => {
      started.push(n);
      await tick();
      if (n === 1) throw new Error('boom');
      return n;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).not.toContain(5);
  });

  it('frees its slot after a failure, so the limiter keeps working', async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await limiter.run(async () => 7)).toBe(7);
  });

  it('returns an empty array for no items and refuses a zero limit', async () => {
    expect(await mapWithLimiter([], createLimiter(4), async () => 1)).toEqual([]);
    expect(() => createLimiter(0)).toThrow(RangeError);
  });
});
