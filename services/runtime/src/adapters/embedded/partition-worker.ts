import type { Logger } from '../../logging.js';
import type { BusMessage, MessageBatch } from '../../ports/event-bus.js';
import type { GroupOffsets } from './offset-store.js';
import type { PartitionLog } from './partition-log.js';
import type { StoredRecord } from './records.js';
import { backoffMs, wait } from './wait.js';

export interface WorkerSettings {
  handleBatch: (batch: MessageBatch) => Promise<void>;
  maxBatchSize: number;
  fromBeginning: boolean;
  backoff: { initial: number; max: number };
  pollIntervalMs: number;
  logger: Logger;
}

interface Outcome {
  /** The offset after the last message handled: what to commit. */
  next: number;
  error?: unknown;
}

/**
 * Consumes one partition for one group member: fetch a batch, hand it over,
 * commit what succeeded, back off and redeliver the rest on failure. Starts
 * only after `previous` (the partition's former owner in the group) stopped,
 * so a partition is never consumed twice at once.
 */
export class PartitionWorker {
  readonly done: Promise<void>;
  private readonly abort = new AbortController();

  constructor(
    private readonly log: PartitionLog,
    private readonly offsets: GroupOffsets,
    private readonly settings: WorkerSettings,
    previous: Promise<void>,
  ) {
    this.done = previous.then(() => this.run());
  }

  /** Stops fetching; resolves once the in-flight batch finished and its progress is committed. */
  stop(): Promise<void> {
    this.abort.abort();
    return this.done;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    let position = await this.startPosition();
    let failures = 0;
    while (!this.stopped) {
      const outcome = await this.step(position);
      if (outcome.next > position) position = await this.commit(position, outcome.next);
      if (outcome.error === undefined) {
        failures = 0;
        continue;
      }
      failures += 1;
      const delay = backoffMs(failures, this.settings.backoff);
      this.logFailure(outcome.error, position, failures, delay);
      await wait(delay, this.abort.signal);
    }
  }

  /** Where a group resumes: its commit, else the start or the end of the log. */
  private async startPosition(): Promise<number> {
    const committed = this.offsets.get(this.log.topic, this.log.partition);
    if (committed !== undefined) return committed;
    if (this.settings.fromBeginning) return 0;
    // Pin "the end" now, so a restart before the first message cannot skip ahead.
    return this.commit(0, this.log.highWatermark);
  }

  private async step(position: number): Promise<Outcome> {
    let records: StoredRecord[];
    try {
      records = await this.log.read(position, this.settings.maxBatchSize);
    } catch (error) {
      return { next: position, error };
    }
    if (records.length === 0) {
      await this.waitForData(position);
      return { next: position };
    }
    return this.deliver(records);
  }

  private waitForData(position: number): Promise<void> {
    return wait(this.settings.pollIntervalMs, this.abort.signal, (wake) => {
      // Checked in the same tick as subscribing: no append can slip between.
      if (this.log.highWatermark > position) wake();
      return this.log.onAppend(wake);
    });
  }

  private async deliver(records: StoredRecord[]): Promise<Outcome> {
    const first = records[0]!.offset;
    const last = records[records.length - 1]!.offset;
    let resolvedNext = first;
    const batch: MessageBatch = {
      topic: this.log.topic,
      partition: this.log.partition,
      messages: records.map((r) => this.toMessage(r)),
      resolveOffset: (offset) => {
        const n = Number(offset);
        if (Number.isInteger(n) && n >= first && n <= last) resolvedNext = Math.max(resolvedNext, n + 1);
      },
    };
    try {
      await this.settings.handleBatch(batch);
      return { next: last + 1 };
    } catch (error) {
      return { next: resolvedNext, error };
    }
  }

  private async commit(from: number, next: number): Promise<number> {
    try {
      await this.offsets.commit(this.log.topic, this.log.partition, next);
    } catch (err) {
      // Kept in memory; the next commit writes it again. At worst a restart redelivers.
      this.settings.logger.error({ err, topic: this.log.topic, partition: this.log.partition, from, next }, 'commit failed');
    }
    return next;
  }

  private toMessage(r: StoredRecord): BusMessage {
    return {
      topic: this.log.topic,
      partition: this.log.partition,
      offset: String(r.offset),
      key: r.key,
      value: r.value,
      headers: { ...r.headers },
      timestamp: r.timestamp,
    };
  }

  private logFailure(err: unknown, offset: number, attempt: number, retryInMs: number): void {
    this.settings.logger.warn(
      { err, topic: this.log.topic, partition: this.log.partition, offset, attempt, retryInMs },
      'batch failed; redelivering after backoff',
    );
  }
}
