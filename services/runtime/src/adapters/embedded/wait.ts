/**
 * Resolves after `ms`, or as soon as `signal` aborts, or — when `subscribe`
 * is given — when it calls the wake function it receives. Never rejects.
 */
export function wait(ms: number, signal: AbortSignal, subscribe?: (wake: () => void) => () => void): Promise<void> {
  return new Promise((resolve) => {
    const cleanups: Array<() => void> = [];
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      for (const cleanup of cleanups) cleanup();
      resolve();
    };
    if (signal.aborted) return done();
    const timer = setTimeout(done, ms);
    cleanups.push(() => clearTimeout(timer));
    signal.addEventListener('abort', done, { once: true });
    cleanups.push(() => signal.removeEventListener('abort', done));
    if (!subscribe) return;
    const unsubscribe = subscribe(done);
    // `subscribe` may have woken us already.
    if (settled) unsubscribe();
    else cleanups.push(unsubscribe);
  });
}

/** Exponential backoff: initial × 2^(attempt−1), capped at max. */
export function backoffMs(attempt: number, range: { initial: number; max: number }): number {
  return Math.min(range.max, range.initial * 2 ** Math.max(0, attempt - 1));
}
