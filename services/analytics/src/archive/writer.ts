import type { TopicName } from '@docpipe/contracts';
import type { EventBus, Logger, MessageBatch, Subscription } from '@docpipe/runtime';
import { ARCHIVE_GROUP_ID, ARCHIVED_TOPICS } from './layout.js';
import { PartitionArchive, type WriterCounters } from './partition.js';
import { archivedEnds } from './recovery.js';
import type { ArchiveStore } from './store.js';

export interface ArchiveWriterOptions {
  bus: EventBus;
  store: ArchiveStore;
  logger: Logger;
  /** Topics to archive (default ARCHIVED_TOPICS); tests pass their own. */
  topics?: readonly TopicName[];
  /** Consumer group (default `docpipe-archive`). */
  groupId?: string;
  /** Records per file at most (default 1000): a full buffer is written at once. */
  flushSize?: number;
  /** A buffer is written when it is this old (default 60 000 ms), by the writer's clock. */
  rotateMs?: number;
  /** The clock for rotation (default Date.now); tests inject theirs and call flushDue(). */
  now?: () => number;
  /** How often the timer looks for due buffers (default min(rotateMs, 1000) ms); 0: no timer. */
  checkIntervalMs?: number;
}

/** What a writer did since it started. */
export type ArchiveWriterStats = Readonly<WriterCounters> & { pending: number };

/**
 * Archives topics on the EventBus as its own consumer group, in the layout
 * of the Confluent HDFS sink (see layout.ts). Exactly once per record: a
 * record reaches the bus's commit only once it is in an archive file or in
 * the spool (spool.ts); after a crash, offsets at or below the largest end
 * offset in the file names are skipped and the spool is reloaded.
 *
 * One writer per group: two writers sharing partitions would each buffer them.
 */
export class ArchiveWriter {
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly partitions = new Map<string, Promise<PartitionArchive>>();
  private readonly loaded = new Set<PartitionArchive>();
  private readonly ends = new Map<string, Promise<Map<number, bigint>>>();
  private readonly counters: WriterCounters = { accepted: 0, skipped: 0, archived: 0, files: 0 };
  private readonly logger: Logger;
  private readonly flushSize: number;
  private readonly rotateMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: ArchiveWriterOptions) {
    this.logger = opts.logger.child({ component: 'archive-writer' });
    this.flushSize = positive('flushSize', opts.flushSize ?? 1000);
    this.rotateMs = positive('rotateMs', opts.rotateMs ?? 60_000);
    this.now = opts.now ?? Date.now;
  }

  /** Joins the group and starts the rotation timer. */
  async start(): Promise<void> {
    const topics = [...(this.opts.topics ?? ARCHIVED_TOPICS)];
    this.subscription = await this.opts.bus.subscribe({
      groupId: this.opts.groupId ?? ARCHIVE_GROUP_ID,
      topics,
      maxBatchSize: this.flushSize,
      fromBeginning: true,
      handleBatch: (batch) => this.handleBatch(batch),
    });
    const every = this.opts.checkIntervalMs ?? Math.min(this.rotateMs, 1000);
    if (every > 0) {
      this.timer = setInterval(() => void this.flushDue(), every);
      this.timer.unref();
    }
    this.logger.info({ topics, store: this.opts.store.location, flushSize: this.flushSize, rotateMs: this.rotateMs }, 'archive writer started');
  }

  /** Writes every buffer that has waited rotateMs; failures are logged and retried on the next call. */
  async flushDue(): Promise<void> {
    const due = [...this.loaded].filter((p) => p.isDue(this.now()));
    for (const p of due) {
      try {
        await p.exclusive(async () => {
          if (p.isDue(this.now())) await p.flush();
        });
      } catch (err) {
        this.logger.warn({ err, topic: p.topic, partition: p.partition }, 'rotation failed; records stay spooled and are retried');
      }
    }
  }

  /** Leaves the group (the in-flight batch finishes and commits), then writes every buffer out. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.subscription?.stop();
    const failures: unknown[] = [];
    for (const p of this.loaded) {
      await p.exclusive(() => p.flush()).catch((err: unknown) => failures.push(err));
    }
    this.logger.info(this.stats(), 'archive writer stopped');
    if (failures.length > 0) {
      throw new Error(`archive writer: ${failures.length} partition(s) could not be written on stop; they stay spooled for the next start`, { cause: failures[0] });
    }
  }

  stats(): ArchiveWriterStats {
    let pending = 0;
    for (const p of this.loaded) pending += p.pending;
    return { ...this.counters, pending };
  }

  private async handleBatch(batch: MessageBatch): Promise<void> {
    const p = await this.partition(batch.topic, batch.partition);
    await p.exclusive(async () => {
      await p.accept(batch.messages);
      await p.settle();
    });
  }

  /** The partition's archive, opened (recovered) on its first batch; a failed open is retried on the next. */
  private partition(topic: string, partition: number): Promise<PartitionArchive> {
    const key = `${topic}\u0000${partition}`;
    let p = this.partitions.get(key);
    if (!p) {
      p = this.open(topic, partition);
      p.catch(() => this.partitions.delete(key));
      this.partitions.set(key, p);
    }
    return p;
  }

  private async open(topic: string, partition: number): Promise<PartitionArchive> {
    const end = (await this.archivedEnds(topic)).get(partition) ?? -1n;
    const deps = { store: this.opts.store, flushSize: this.flushSize, rotateMs: this.rotateMs, now: this.now, logger: this.logger, counters: this.counters };
    const p = await PartitionArchive.open(topic, partition, end, deps);
    this.loaded.add(p);
    this.logger.info({ topic, partition, archivedEnd: end.toString(), spooled: p.pending }, 'partition recovered');
    return p;
  }

  /** One walk of the topic's files per writer, shared by its partitions. */
  private archivedEnds(topic: string): Promise<Map<number, bigint>> {
    let ends = this.ends.get(topic);
    if (!ends) {
      ends = archivedEnds(this.opts.store, topic);
      ends.catch(() => this.ends.delete(topic));
      this.ends.set(topic, ends);
    }
    return ends;
  }
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`archive writer: ${name} must be a positive integer, got ${value}`);
  return value;
}

/** Creates and starts an archive writer. */
export async function startArchiveWriter(opts: ArchiveWriterOptions): Promise<ArchiveWriter> {
  const writer = new ArchiveWriter(opts);
  await writer.start();
  return writer;
}
