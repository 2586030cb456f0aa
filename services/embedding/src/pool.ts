/** Bounds how many tasks run at once, across every caller that shares it. */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
}

/** A FIFO limiter allowing `limit` tasks in flight. */
export function createLimiter(limit: number): Limiter {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  let active = 0;
  const queue: (() => void)[] = [];
  const next = (): void => {
    if (active >= limit) return;
    const start = queue.shift();
    if (!start) return;
    active++;
    start();
  };
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push(() => {
          task()
            .then(resolve, reject)
            .finally(() => {
              active--;
              next();
            });
        });
        next();
      });
    },
  };
}

/** Thrown into tasks skipped because an earlier one failed; never escapes mapWithLimiter. */
class Skipped extends Error {}

/**
 * Runs `task` over `items` through `limiter`, results in input order. The
 * first rejection rejects the whole run; tasks already started finish, queued
 * ones are skipped.
 */
export async function mapWithLimiter<T, R>(items: readonly T[], limiter: Limiter, task: (item: T) => Promise<R>): Promise<R[]> {
  let failed = false;
  const settled = await Promise.allSettled(
    items.map((item) =>
      limiter.run(async () => {
        if (failed) throw new Skipped();
        try {
          return await task(item);
        } catch (err) {
          failed = true;
          throw err;
        }
      }),
    ),
  );
  const rejection = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected' && !(s.reason instanceof Skipped));
  if (rejection) throw rejection.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<R>).value);
}
