import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { runWorkers, WorkQueue } from './queue.js';

const take = async (q: WorkQueue) => (await q.get())!;

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await take(q)).toBe('a');
    expect(await take(q)).toBe('b');
    expect(q.length).toBe(0);
  });

  it('never hands out a key being processed, and processes it once more after done when added meanwhile', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    const first = await take(q);
    q.add('a');
    q.add('a');
    expect(q.length).toBe(0); // not handed to a second worker while processing
    q.done(first);
    expect(q.length).toBe(1);
    expect(await take(q)).toBe('a');
    q.done('a');
    expect(q.length).toBe(0);
  });

  it('wakes a waiting get when a key arrives', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const waiting = q.get();
    q.add('x');
    expect(await waiting).toBe('x');
  });

  it('delays addAfter by the clock, keeping the earliest time per key', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('a', 1000);
    q.addAfter('a', 5000); // later: ignored
    q.addAfter('b', 2000);
    q.addAfter('b', 500); // earlier: replaces
    clock.advance(499);
    expect(q.length).toBe(0);
    clock.advance(1);
    expect(await take(q)).toBe('b');
    clock.advance(500);
    expect(await take(q)).toBe('a');
    clock.advance(10_000);
    expect(q.length).toBe(0);
  });

  it('backs off exponentially per key with full jitter, capped, and forgets on success', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, random: () => 0.999_999, backoff: { baseDelayMs: 100, maxDelayMs: 1000 } });
    const delays = [1, 2, 3, 4, 5, 6].map(() => q.addRateLimited('a'));
    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
    expect(q.failures('a')).toBe(6);
    q.forget('a');
    expect(q.failures('a')).toBe(0);
    expect(q.addRateLimited('a')).toBe(99);
    expect(q.addRateLimited('other')).toBe(99); // per key
  });

  it('draws the jitter from [0, cap)', () => {
    const q = new WorkQueue({ clock: new FakeClock(), random: () => 0.5, backoff: { baseDelayMs: 100, maxDelayMs: 300_000 } });
    for (let i = 0; i < 3; i++) q.addRateLimited('a');
    expect(q.addRateLimited('a')).toBe(400); // 0.5 × 100 × 2³
  });

  it('limits the overall retry rate with a token bucket', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, random: () => 0, backoff: { qps: 10, burst: 2 } });
    expect(q.addRateLimited('a')).toBe(0);
    expect(q.addRateLimited('b')).toBe(0);
    expect(q.addRateLimited('c')).toBe(100); // bucket empty: next token in 1/10 s
    clock.advance(1000);
    expect(q.addRateLimited('d')).toBe(0);
  });

  it('on shutdown hands out nothing more and waits for the keys in flight', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.add('a');
    q.add('b');
    q.addAfter('c', 100);
    const a = await take(q);
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    expect(await q.get()).toBeUndefined();
    await Promise.resolve();
    expect(drained).toBe(false);
    q.done(a);
    await drain;
    expect(drained).toBe(true);
    expect(clock.pending).toBe(0);
    q.add('d');
    expect(q.length).toBe(0);
  });
});

describe('runWorkers', () => {
  it('runs different keys in parallel, one key never twice at once, and retries failures', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, random: () => 0 });
    const running = new Set<string>();
    let maxParallel = 0;
    const seen: string[] = [];
    let failOnce = true;
    const gates: Array<() => void> = [];
    const handle = async (key: string) => {
      expect(running.has(key)).toBe(false);
      running.add(key);
      maxParallel = Math.max(maxParallel, running.size);
      await new Promise<void>((resolve) => gates.push(resolve));
      running.delete(key);
      seen.push(key);
      if (key === 'b' && failOnce) {
        failOnce = false;
        throw new Error('boom');
      }
      return key === 'c' ? { requeueAfterMs: 1000 } : undefined;
    };
    const errors: string[] = [];
    const done = runWorkers(q, 2, handle, (key) => errors.push(key));
    for (const key of ['a', 'b', 'c', 'a']) q.add(key);
    const settle = async () => {
      for (let i = 0; i < 20; i++) await Promise.resolve();
    };
    await settle();
    expect(maxParallel).toBe(2);
    while (gates.length > 0) {
      gates.shift()!();
      await settle();
    }
    expect(errors).toEqual(['b']);
    // a was being processed when added again: once more after; b retried after its backoff (0 here).
    expect(seen.sort()).toEqual(['a', 'a', 'b', 'b', 'c']);
    expect(q.failures('b')).toBe(0);
    clock.advance(1000); // c asked to be looked at again
    await settle();
    expect(gates.length).toBe(1);
    gates.shift()!();
    await settle();
    expect(seen.filter((k) => k === 'c')).toHaveLength(2);
    await q.shutDownWithDrain();
    await done;
  });
});
