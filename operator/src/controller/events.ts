import type { EventRecord, KubeApi } from './ports.js';

/** The Event writer the reconciler uses: duplicates within the window are dropped. */
export interface EventSink {
  emit(event: EventRecord): void;
}

/**
 * Drops an Event equal to one emitted within `windowMs` (same object, type,
 * reason and note), so a failure that persists over many retries or resyncs
 * is reported once per window, not once per attempt (client-go's
 * EventCorrelator does the same with a counter).
 */
export class DedupingEventRecorder implements EventSink {
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly kube: Pick<KubeApi, 'recordEvent'>,
    private readonly now: () => number,
    private readonly windowMs = 10 * 60_000,
  ) {}

  emit(event: EventRecord): void {
    const now = this.now();
    this.forgetOlderThan(now - this.windowMs);
    const key = [event.regarding.uid ?? `${event.regarding.namespace}/${event.regarding.name}`, event.type, event.reason, event.note].join('\u0000');
    if (this.lastSent.has(key)) return;
    this.lastSent.set(key, now);
    void this.kube.recordEvent(event);
  }

  private forgetOlderThan(limit: number): void {
    for (const [key, at] of this.lastSent) {
      if (at >= limit) break; // insertion order is time order
      this.lastSent.delete(key);
    }
  }
}
