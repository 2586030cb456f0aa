import type { AnalyticsWindow } from '@docpipe/contracts';
import { WindowCounter, type WindowCounterStats } from './core.js';
import { parseWindowEvent } from './event.js';

/** Everything a bounded run over some record values produced. */
export interface WindowRun extends WindowCounterStats {
  /** Emitted windows, in emission order (the end-of-input flush last). */
  windows: AnalyticsWindow[];
  /** Values skipped because they were not well-formed events. */
  malformed: number;
}

/**
 * Runs the window counter over record values in order, then flushes: what a
 * bounded Flink run over the same topic partition emits.
 */
export function countWindows(values: Iterable<Buffer | string | null>, watermarkSeconds: number): WindowRun {
  const counter = new WindowCounter({ watermarkMs: watermarkSeconds * 1000 });
  const windows: AnalyticsWindow[] = [];
  let malformed = 0;
  for (const value of values) {
    const parsed = parseWindowEvent(value);
    if (!parsed.ok) {
      malformed++;
      continue;
    }
    for (const w of counter.feed(parsed.event)) windows.push(w);
  }
  for (const w of counter.flush()) windows.push(w);
  return { windows, malformed, ...counter.stats };
}
