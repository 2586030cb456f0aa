import type { RecordStore, StoredRecord } from './records.js';

export type NewRecord = Omit<StoredRecord, 'offset'>;

/**
 * One topic-partition: appends are serialised and assigned consecutive
 * offsets; readers see a record only once its append is durable (Kafka's
 * high watermark), and are woken when new records land.
 */
export class PartitionLog {
  private tail: Promise<void> = Promise.resolve();
  private readonly wakers = new Set<() => void>();

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly store: RecordStore,
  ) {}

  /** The offset the next durable record will get; readers see offsets below it. */
  get highWatermark(): number {
    return this.store.length;
  }

  /** Appends `records` after every earlier append; resolves once durable. */
  append(records: NewRecord[]): Promise<void> {
    const run = this.tail.then(async () => {
      const base = this.store.length;
      await this.store.append(records.map((r, i) => ({ ...r, offset: base + i })));
      this.wakeAll();
    });
    this.tail = run.catch(() => {});
    return run;
  }

  /** Up to `max` durable records from offset `from`. */
  read(from: number, max: number): Promise<StoredRecord[]> {
    if (from >= this.highWatermark) return Promise.resolve([]);
    return this.store.read(from, Math.min(max, this.highWatermark - from));
  }

  /** Calls `wake` once when the next append lands; returns an unsubscribe. */
  onAppend(wake: () => void): () => void {
    this.wakers.add(wake);
    return () => this.wakers.delete(wake);
  }

  /** Waits for pending appends, then closes the store. */
  async close(): Promise<void> {
    await this.tail;
    await this.store.close();
  }

  private wakeAll(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const wake of wakers) wake();
  }
}
