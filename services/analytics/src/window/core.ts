import type { AnalyticsWindow } from '@docpipe/contracts';
import type { WindowEvent } from './event.js';

/** Tumbling window size: one minute, aligned to the epoch (Flink's TUMBLE in UTC). */
export const WINDOW_MS = 60_000;

/** What a counter has seen so far. */
export interface WindowCounterStats {
  /** Events added to an open window (duplicates of a chunk included). */
  counted: number;
  /** Events whose window had already closed: dropped, as Flink drops them. */
  late: number;
  /** Windows emitted. */
  emitted: number;
}

export interface WindowCounterOptions {
  /** Bounded out-of-orderness, ms: watermark = max event time seen − this. */
  watermarkMs: number;
}

/**
 * Event-time tumbling windows per company counting distinct chunk ids, with
 * the semantics of the Flink job (jobs/flink/job.py):
 * - watermark = max event time seen − the bound; it only rises, and an event
 *   is judged against the watermark of the events before it (Flink emits a
 *   record before the watermark it raises);
 * - a window [s, s + 60 000) closes, and is emitted, once watermark ≥ s + 59 999;
 *   an event for a closed window is late: dropped and counted;
 * - a chunk id seen twice in a window counts once, so redelivery never inflates;
 * - flush() emits every open window, as a bounded Flink run does at end of input.
 *
 * Pure and synchronous: no clock, no I/O. One watermark for the whole input
 * (Flink keeps one per partition and takes the minimum; the two agree on a
 * single-partition topic, which is what the comparison tests use).
 */
export class WindowCounter {
  private readonly watermarkMs: number;
  /** Window start → company → distinct chunk ids. */
  private readonly open = new Map<number, Map<string, Set<string>>>();
  private currentWatermark = Number.NEGATIVE_INFINITY;
  private readonly counts: WindowCounterStats = { counted: 0, late: 0, emitted: 0 };

  constructor(options: WindowCounterOptions) {
    if (!Number.isInteger(options.watermarkMs) || options.watermarkMs < 0) {
      throw new RangeError(`watermarkMs must be a non-negative integer, got ${options.watermarkMs}`);
    }
    this.watermarkMs = options.watermarkMs;
  }

  /** The current watermark (−Infinity before the first event). */
  get watermark(): number {
    return this.currentWatermark;
  }

  /** A copy of the counters. */
  get stats(): WindowCounterStats {
    return { ...this.counts };
  }

  /** Number of windows (company × minute) still open. */
  get openWindows(): number {
    let n = 0;
    for (const companies of this.open.values()) n += companies.size;
    return n;
  }

  /** Adds one event; returns the windows its watermark closed (oldest first, then by company). */
  feed(event: WindowEvent): AnalyticsWindow[] {
    const start = windowStart(event.eventTime);
    if (isClosed(start, this.currentWatermark)) {
      this.counts.late++;
    } else {
      this.add(start, event);
      this.counts.counted++;
    }
    const next = event.eventTime - this.watermarkMs;
    if (next <= this.currentWatermark) return [];
    this.currentWatermark = next;
    return this.emit((s) => isClosed(s, next));
  }

  /** Emits every open window (end of input, or a graceful stop). */
  flush(): AnalyticsWindow[] {
    return this.emit(() => true);
  }

  private add(start: number, event: WindowEvent): void {
    let companies = this.open.get(start);
    if (!companies) {
      companies = new Map();
      this.open.set(start, companies);
    }
    let chunks = companies.get(event.companyId);
    if (!chunks) {
      chunks = new Set();
      companies.set(event.companyId, chunks);
    }
    chunks.add(event.chunkId);
  }

  private emit(closes: (start: number) => boolean): AnalyticsWindow[] {
    const starts = [...this.open.keys()].filter(closes).sort((a, b) => a - b);
    const out: AnalyticsWindow[] = [];
    for (const start of starts) {
      const companies = [...this.open.get(start)!].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [companyId, chunks] of companies) {
        out.push({ timestamp: start, window_end: start + WINDOW_MS, company_id: companyId, count: chunks.size });
      }
      this.open.delete(start);
    }
    this.counts.emitted += out.length;
    return out;
  }
}

/** The start of the tumbling window holding `eventTime`. */
export function windowStart(eventTime: number): number {
  return eventTime - (eventTime % WINDOW_MS);
}

/** Flink fires a window when the watermark reaches its last millisecond. */
function isClosed(start: number, watermark: number): boolean {
  return start + WINDOW_MS - 1 <= watermark;
}
