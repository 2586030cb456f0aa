import type { BusMessage, Logger } from '@docpipe/runtime';
import { committedFilePath, archiveLine } from './layout.js';
import { decodeSegment, encodeSegment, isSegmentName, segmentPath, spoolDir, type PendingRecord } from './spool.js';
import { joinPath, type ArchiveStore } from './store.js';

/** Counters shared by every partition of one writer. */
export interface WriterCounters {
  /** Records taken into a buffer. */
  accepted: number;
  /** Records skipped because they were archived (or buffered) already: redeliveries. */
  skipped: number;
  /** Records written to archive files. */
  archived: number;
  /** Archive files written. */
  files: number;
}

export interface PartitionDeps {
  store: ArchiveStore;
  flushSize: number;
  rotateMs: number;
  now: () => number;
  logger: Logger;
  counters: WriterCounters;
}

const HOUR_MS = 3_600_000;
// Epoch milliseconds have no leap seconds, so UTC hours are exact multiples of an hour.
const hourOf = (timestamp: number): number => Math.floor(timestamp / HOUR_MS);

/**
 * The archive of one topic-partition: one open buffer of consecutive
 * records of one hour. It becomes a file when it holds `flushSize` records,
 * when a record of another hour arrives, when it is `rotateMs` old, or on
 * stop. Files therefore hold contiguous offset ranges written in offset
 * order, which is what makes "skip every offset ≤ the largest archived end
 * offset" a correct recovery rule.
 */
export class PartitionArchive {
  private buffer: PendingRecord[] = [];
  /** buffer[0 .. spooled) are in the spool segments listed in `segments`. */
  private spooled = 0;
  private segments: string[] = [];
  private openedAt = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly topic: string,
    readonly partition: number,
    /** The highest offset archived, spooled or buffered: anything at or below it is a redelivery. */
    private last: bigint,
    private readonly deps: PartitionDeps,
  ) {}

  /** Opens a partition whose files end at `archivedEnd` (-1n: none), reloading what its spool holds. */
  static async open(topic: string, partition: number, archivedEnd: bigint, deps: PartitionDeps): Promise<PartitionArchive> {
    const p = new PartitionArchive(topic, partition, archivedEnd, deps);
    await p.reloadSpool();
    return p;
  }

  /** Runs `fn` after every earlier call on this partition finished: handlers, timer and stop never interleave. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Records not yet in an archive file. */
  get pending(): number {
    return this.buffer.length;
  }

  /** True when the open buffer has waited `rotateMs`. */
  isDue(now: number): boolean {
    return this.buffer.length > 0 && now - this.openedAt >= this.deps.rotateMs;
  }

  /** Buffers a batch's new records, writing files as buffers fill or the hour changes. */
  async accept(messages: readonly BusMessage[]): Promise<void> {
    for (const m of messages) {
      const offset = BigInt(m.offset);
      if (offset <= this.last) {
        this.deps.counters.skipped += 1;
        continue;
      }
      const head = this.buffer[0];
      if (head && hourOf(head.timestamp) !== hourOf(m.timestamp)) await this.flush();
      if (this.buffer.length === 0) this.openedAt = this.deps.now();
      this.buffer.push({ offset, timestamp: m.timestamp, line: archiveLine(m.value) });
      this.last = offset;
      this.deps.counters.accepted += 1;
      if (this.buffer.length >= this.deps.flushSize) await this.flush();
    }
  }

  /**
   * Called before a batch's handler returns (and the bus commits it): what is
   * still buffered is written out when due, else made durable in the spool.
   */
  async settle(): Promise<void> {
    if (this.buffer.length >= this.deps.flushSize || this.isDue(this.deps.now())) await this.flush();
    else await this.spool();
  }

  /** Writes the buffer as archive files (one per hour run, at most flushSize records each), then drops its spool. */
  async flush(): Promise<void> {
    while (this.buffer.length > 0) {
      const run = this.nextRun();
      const head = run[0]!;
      const path = committedFilePath(this.topic, this.partition, { start: head.offset, end: run[run.length - 1]!.offset, timestamp: head.timestamp });
      await this.deps.store.put(path, run.map((r) => r.line).join('\n') + '\n');
      this.buffer = this.buffer.slice(run.length);
      this.spooled = Math.max(0, this.spooled - run.length);
      this.deps.counters.archived += run.length;
      this.deps.counters.files += 1;
      this.deps.logger.debug({ path, records: run.length }, 'archive file written');
    }
    await this.dropSegments();
  }

  /** The buffer's first run: same hour, at most flushSize (longer only after a reload from the spool). */
  private nextRun(): PendingRecord[] {
    const hour = hourOf(this.buffer[0]!.timestamp);
    let n = 1;
    while (n < this.buffer.length && n < this.deps.flushSize && hourOf(this.buffer[n]!.timestamp) === hour) n += 1;
    return this.buffer.slice(0, n);
  }

  private async spool(): Promise<void> {
    const fresh = this.buffer.slice(this.spooled);
    if (fresh.length === 0) return;
    const path = segmentPath(this.topic, this.partition, fresh);
    await this.deps.store.put(path, encodeSegment(fresh));
    this.segments.push(path);
    this.spooled = this.buffer.length;
  }

  /** Every segment holds records of the buffer just written; a leftover is dropped again on the next start. */
  private async dropSegments(): Promise<void> {
    const segments = this.segments;
    this.segments = [];
    for (const path of segments) {
      await this.deps.store.delete(path).catch((err: unknown) => {
        this.deps.logger.warn({ err, path }, 'could not delete a spool segment; the next start drops it');
      });
    }
  }

  private async reloadSpool(): Promise<void> {
    const dir = spoolDir(this.topic, this.partition);
    for (const name of (await this.deps.store.list(dir)).filter(isSegmentName)) {
      const path = joinPath(dir, name);
      const records = decodeSegment((await this.deps.store.read(path)).toString('utf8'), path).filter((r) => r.offset > this.last);
      if (records.length === 0) {
        // Archived already: the crash came between writing the file and dropping the spool.
        await this.deps.store.delete(path);
        continue;
      }
      this.buffer.push(...records);
      this.segments.push(path);
      this.last = records[records.length - 1]!.offset;
    }
    this.spooled = this.buffer.length;
    this.openedAt = this.deps.now();
    if (this.buffer.length > 0) {
      this.deps.logger.info({ topic: this.topic, partition: this.partition, records: this.buffer.length }, 'spooled records reloaded');
    }
  }
}
