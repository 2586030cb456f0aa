import { describe, expect, it } from 'vitest';
import { backoffMs, wait } from './wait.js';

describe('wait', () => {
  it('ends early when the signal aborts', async () => {
    const abort = new AbortController();
    const waiting = wait(3_600_000, abort.signal);
    abort.abort();
    await expect(waiting).resolves.toBeUndefined();
  });

  it('ends when woken, and unsubscribes', async () => {
    let wake: () => void = () => {};
    let unsubscribed = 0;
    const waiting = wait(3_600_000, new AbortController().signal, (w) => {
      wake = w;
      return () => void unsubscribed++;
    });
    wake();
    await waiting;
    expect(unsubscribed).toBe(1);
  });

  it('handles a wake during subscription', async () => {
    let unsubscribed = 0;
    await wait(3_600_000, new AbortController().signal, (w) => {
      w();
      return () => void unsubscribed++;
    });
    expect(unsubscribed).toBe(1);
  });
});

describe('backoffMs', () => {
  it('doubles from initial up to max', () => {
    const range = { initial: 100, max: 5_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((a) => backoffMs(a, range))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });
});
