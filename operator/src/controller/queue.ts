import { systemClock, type Clock } from './ports.js';

export interface BackoffOptions {
  /** First retry delay bound, ms (client-go: 5 ms; 100 ms here: a reconcile costs a dozen API calls). */
  baseDelayMs: number;
  /** Largest retry delay, ms (client-go: 1000 s; 5 min here so a fixed problem heals within minutes). */
  maxDelayMs: number;
  /** Overall retry rate across keys, like client-go's BucketRateLimiter (10 qps, burst 100). */
  qps: number;
  burst: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseDelayMs: 100, maxDelayMs: 300_000, qps: 10, burst: 100 };

export interface WorkQueueOptions {
  clock?: Clock;
  backoff?: Partial<BackoffOptions>;
  /** In [0, 1); Math.random by default. */
  random?: () => number;
}

/**
 * A rate-limited work queue with client-go's semantics: a key is queued at
 * most once; a key added while it is being processed is processed once more
 * after `done`, never twice at once; failed keys come back after a per-key
 * exponential backoff with full jitter (and an overall token bucket).
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, { at: number; cancel(): void }>();
  private readonly failureCounts = new Map<string, number>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private readonly drainWaiters: Array<() => void> = [];
  private readonly clock: Clock;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private tokens: number;
  private tokensAt: number;
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.random = options.random ?? Math.random;
    this.tokens = this.backoff.burst;
    this.tokensAt = this.clock.now();
  }

  /** Queues `key` unless it is queued already; a key being processed is queued again after done(). */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Queues `key` after `ms`; an earlier pending time for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending !== undefined && pending.at <= at) return;
    pending?.cancel();
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, cancel: timer.cancel });
  }

  /** Queues `key` after its backoff (and counts a failure); returns the delay chosen. */
  addRateLimited(key: string): number {
    const failures = this.failureCounts.get(key) ?? 0;
    this.failureCounts.set(key, failures + 1);
    const cap = Math.min(this.backoff.maxDelayMs, this.backoff.baseDelayMs * 2 ** Math.min(failures, 52));
    const delay = Math.max(Math.floor(this.random() * cap), this.bucketDelay());
    this.addAfter(key, delay);
    return delay;
  }

  /** Forgets the failures of `key` (after a success). */
  forget(key: string): void {
    this.failureCounts.delete(key);
  }

  /** How often `key` failed since its last success. */
  failures(key: string): number {
    return this.failureCounts.get(key) ?? 0;
  }

  /** Keys waiting to be processed (not counting delayed ones). */
  get length(): number {
    return this.queue.length;
  }

  /** The next key, marked as processing; undefined once shut down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` processed; queues it again if it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
    if (this.processing.size === 0) this.drainWaiters.splice(0).forEach((resolve) => resolve());
  }

  /**
   * Stops handing out keys (queued and delayed ones are dropped: the next
   * leader lists everything anyway) and resolves when the keys being
   * processed are done.
   */
  async shutDownWithDrain(): Promise<void> {
    this.shuttingDown = true;
    for (const pending of this.delayed.values()) pending.cancel();
    this.delayed.clear();
    this.queue.length = 0;
    this.waiters.splice(0).forEach((resolve) => resolve(undefined));
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(this.take(key));
    else this.queue.push(key);
  }

  private take(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  /** Token bucket: 0 while tokens last, then the wait for the next one. */
  private bucketDelay(): number {
    const now = this.clock.now();
    const { qps, burst } = this.backoff;
    this.tokens = Math.min(burst, this.tokens + ((now - this.tokensAt) / 1000) * qps);
    this.tokensAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / qps) * 1000);
  }
}

/** What handling a key asks for: nothing, or another look after a while. */
export interface HandleResult {
  requeueAfterMs?: number;
}

/**
 * Runs `workers` loops over the queue: a success forgets the key's failures
 * (and honours requeueAfterMs), a throw requeues it with backoff. Resolves when
 * the queue is shut down and every loop has finished.
 */
export async function runWorkers(
  queue: WorkQueue,
  workers: number,
  handle: (key: string) => Promise<HandleResult | void>,
  onError: (key: string, err: unknown, retryInMs: number) => void,
): Promise<void> {
  const loop = async (): Promise<void> => {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      try {
        const result = await handle(key);
        queue.forget(key);
        if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        onError(key, err, queue.addRateLimited(key));
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, loop));
}
