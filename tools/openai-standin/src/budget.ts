const MINUTE_MS = 60_000;

/** The limits reported when no budget is enforced (a typical tier's). */
export const NOMINAL_RPM = 10_000;
export const NOMINAL_TPM = 10_000_000;

/**
 * A one-minute budget that refills continuously, as OpenAI's limits behave.
 * When not enforced it still counts, so the x-ratelimit-* headers move.
 */
export class MinuteBudget {
  private level: number;
  private last: number;

  constructor(
    readonly limit: number,
    readonly enforced: boolean,
    now: number,
  ) {
    this.level = limit;
    this.last = now;
  }

  /** Takes `amount` when available; otherwise returns the milliseconds until it will be. */
  take(amount: number, now: number): { ok: true } | { ok: false; waitMs: number } {
    this.refill(now);
    if (this.enforced && amount > this.level) {
      return { ok: false, waitMs: Math.ceil((amount - this.level) / this.perMs()) };
    }
    this.level = Math.max(0, this.level - amount);
    return { ok: true };
  }

  /** What is left now (rounded down). */
  remaining(now: number): number {
    this.refill(now);
    return Math.floor(this.level);
  }

  /** Milliseconds until the budget is full again. */
  resetMs(now: number): number {
    this.refill(now);
    return Math.ceil((this.limit - this.level) / this.perMs());
  }

  private perMs(): number {
    return this.limit / MINUTE_MS;
  }

  private refill(now: number): void {
    this.level = Math.min(this.limit, this.level + (now - this.last) * this.perMs());
    this.last = now;
  }
}

/** OpenAI's duration format in x-ratelimit-reset-*: "20ms", "1s", "6m0s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.round(ms / 10) / 100;
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Math.round(seconds - minutes * 60)}s`;
}
