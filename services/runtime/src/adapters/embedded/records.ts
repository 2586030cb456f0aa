/** One record of a partition, as kept by the embedded log. */
export interface StoredRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

/** Where a partition's records live: memory, or a segment file. */
export interface RecordStore {
  /** Number of records stored (the next offset). */
  readonly length: number;
  /** Appends records whose offsets continue the log; durable when it resolves. */
  append(records: StoredRecord[]): Promise<void>;
  /** Up to `max` records from offset `from`, in order. */
  read(from: number, max: number): Promise<StoredRecord[]>;
  close(): Promise<void>;
}

/** Records in an array: tests and memory-only local runs. */
export class MemoryRecordStore implements RecordStore {
  private readonly records: StoredRecord[] = [];

  get length(): number {
    return this.records.length;
  }

  async append(records: StoredRecord[]): Promise<void> {
    this.records.push(...records);
  }

  async read(from: number, max: number): Promise<StoredRecord[]> {
    return this.records.slice(from, from + max);
  }

  async close(): Promise<void> {}
}
