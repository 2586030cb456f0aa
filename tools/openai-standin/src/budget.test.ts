import { describe, expect, it } from 'vitest';
import { formatDuration, MinuteBudget } from './budget.js';

describe('MinuteBudget', () => {
  it('refuses what is not there yet and names the wait, then refills linearly', () => {
    const b = new MinuteBudget(600, true, 0);
    expect(b.take(500, 0)).toEqual({ ok: true });
    expect(b.remaining(0)).toBe(100);
    // 600 per minute = 0.01 per ms: 400 missing → 40 s.
    expect(b.take(500, 0)).toEqual({ ok: false, waitMs: 40_000 });
    expect(b.take(500, 40_000)).toEqual({ ok: true });
    expect(b.resetMs(40_000)).toBe(60_000);
    expect(b.remaining(1_000_000)).toBe(600);
  });

  it('only counts when not enforced', () => {
    const b = new MinuteBudget(10, false, 0);
    expect(b.take(50, 0)).toEqual({ ok: true });
    expect(b.remaining(0)).toBe(0);
  });
});

describe('formatDuration', () => {
  it('writes durations the way OpenAI headers do', () => {
    expect(formatDuration(6)).toBe('6ms');
    expect(formatDuration(999.2)).toBe('1000ms');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(360_000)).toBe('6m0s');
  });
});
