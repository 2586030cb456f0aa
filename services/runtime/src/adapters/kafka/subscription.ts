import type { Consumer, ConsumerCrashEvent, EachBatchPayload, Kafka, RetryOptions } from 'kafkajs';
import type { Logger } from '../../logging.js';
import type { BusMessage, MessageBatch, SubscribeOptions, Subscription } from '../../ports/event-bus.js';
import { backoffMs, wait } from '../embedded/wait.js';
import { chunk, prefixResolver, toBusMessage } from './messages.js';
import type { KafkaConsumerSettings } from './options.js';

export interface SubscriptionDeps {
  kafka: Kafka;
  settings: Required<KafkaConsumerSettings>;
  retry: RetryOptions;
  logger: Logger;
}

const DEFAULT_MAX_BATCH_SIZE = 100;

type RunOutcome = { ok: true } | { ok: false; error: unknown; next: string };

/**
 * One `subscribe` call: one kafkajs consumer in the group, restarted by us
 * when kafkajs gives up on it.
 *
 * A handler failure never reaches kafkajs. Throwing from eachBatch would make
 * kafkajs refetch, but through a retrier whose count never resets while the
 * consumer runs: the sixth failure of a consumer's life crashes it (leaving
 * the group, rebalancing everyone), and an error named TypeError crashes it
 * for good. Instead we commit the resolved prefix, back off while heartbeating,
 * and return with the rest unresolved: kafkajs's next fetch for the partition
 * starts at the resolved offset, so exactly the rest comes back.
 */
export class KafkaSubscription implements Subscription {
  private consumer: Consumer | undefined;
  private readonly abort = new AbortController();
  private readonly failures = new Map<string, number>();
  private readonly log: Logger;
  private readonly maxBatchSize: number;
  private restarts = 0;
  private restarting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly options: SubscribeOptions,
    private readonly deps: SubscriptionDeps,
  ) {
    this.log = deps.logger.child({ groupId: options.groupId, topics: options.topics });
    this.maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  }

  /** Connects, subscribes and starts consuming; rejects (and cleans up) when the first connect fails. */
  async start(): Promise<void> {
    await this.launch();
    this.log.info('consumer started');
  }

  /** Stops fetching, lets the in-flight batch finish, commits what was resolved, leaves the group. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.abort.abort();
    await this.restarting;
    try {
      await this.consumer?.disconnect();
      this.log.info('consumer stopped');
    } catch (err) {
      // The group coordinator will expire the member after the session timeout.
      this.log.warn({ err }, 'consumer did not disconnect cleanly');
    }
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** Starts a consumer and makes it the current one; rejects if it crashed for good while starting. */
  private async launch(): Promise<void> {
    const consumer = this.createConsumer();
    let launched = false;
    let fatal: { error: unknown } | undefined;
    consumer.on(consumer.events.CRASH, (event: ConsumerCrashEvent) => {
      if (launched) this.onCrash(consumer, event.payload);
      // kafkajs reports a failed join through the crash event, not from run().
      else if (!event.payload.restart) fatal ??= { error: event.payload.error };
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: true, // commits only resolved offsets, since we resolve by hand
        // kafkajs commits after every fetched batch; within a long one (several
        // runs of maxBatchSize) at most this often. A commit is a broker round
        // trip: one per run halved the consumer's throughput (bench/RESULTS.md).
        autoCommitInterval: this.deps.settings.commitIntervalMs,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.deps.settings.partitionsConsumedConcurrently,
        eachBatch: (payload) => this.eachBatch(payload),
      });
      if (fatal) throw fatal.error;
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    this.consumer = consumer;
    launched = true;
  }

  private createConsumer(): Consumer {
    const s = this.deps.settings;
    return this.deps.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: s.sessionTimeoutMs,
      heartbeatInterval: s.heartbeatIntervalMs,
      rebalanceTimeout: s.rebalanceTimeoutMs,
      maxWaitTimeInMs: s.maxWaitTimeMs,
      maxBytesPerPartition: s.maxBytesPerPartition,
      maxBytes: s.maxBytes,
      retry: this.deps.retry,
      allowAutoTopicCreation: false,
    });
  }

  private onCrash(consumer: Consumer, crash: ConsumerCrashEvent['payload']): void {
    if (this.stopped || consumer !== this.consumer) return;
    if (crash.restart) {
      this.log.warn({ err: crash.error }, 'consumer crashed; kafkajs restarts it');
      return;
    }
    this.log.error({ err: crash.error }, 'consumer crashed and kafkajs gave up on it; restarting it');
    this.restarting ??= this.restart(consumer).finally(() => (this.restarting = undefined));
  }

  /** Replaces a consumer kafkajs will not restart, with backoff until one runs or we stop. */
  private async restart(old: Consumer): Promise<void> {
    await old.disconnect().catch((err: unknown) => this.log.debug({ err }, 'disconnecting the crashed consumer failed'));
    while (!this.stopped) {
      this.restarts += 1;
      const delay = backoffMs(this.restarts, this.deps.settings.restartBackoffMs);
      await wait(delay, this.abort.signal);
      if (this.stopped) return;
      try {
        await this.launch();
        this.log.info({ attempt: this.restarts }, 'consumer restarted');
        return;
      } catch (err) {
        this.log.error({ err, attempt: this.restarts }, 'consumer restart failed');
      }
    }
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { topic, partition } = payload.batch;
    const messages = payload.batch.messages.map((m) => toBusMessage(topic, partition, m));
    for (const run of chunk(messages, this.maxBatchSize)) {
      // A rebalance or seek made the rest stale, or we are stopping: leave it unresolved.
      if (this.stopped || !payload.isRunning() || payload.isStale()) return;
      const outcome = await this.deliver(run, payload);
      if (!outcome.ok) {
        // Durable before the backoff: a crash while waiting must not redeliver the resolved prefix.
        await payload.commitOffsetsIfNecessary(payload.uncommittedOffsets());
        return this.backOff(payload, outcome);
      }
      await payload.commitOffsetsIfNecessary();
      this.failures.delete(`${topic}:${partition}`);
      this.restarts = 0;
      await payload.heartbeat();
    }
  }

  private async deliver(run: BusMessage[], payload: EachBatchPayload): Promise<RunOutcome> {
    const { topic, partition } = payload.batch;
    const resolver = prefixResolver(run, (offset) => payload.resolveOffset(offset));
    const batch: MessageBatch = { topic, partition, messages: run, resolveOffset: (o) => resolver.resolveOffset(o) };
    // kafkajs heartbeats only between batches; a long handler would otherwise be taken for dead.
    const keepAlive = setInterval(() => {
      payload.heartbeat().catch((err: unknown) => this.log.debug({ err }, 'heartbeat during a batch failed'));
    }, this.deps.settings.heartbeatIntervalMs);
    try {
      await this.options.handleBatch(batch);
      resolver.resolveOffset(run[run.length - 1]!.offset);
      return { ok: true };
    } catch (error) {
      const resolved = resolver.resolved();
      return { ok: false, error, next: resolved === undefined ? run[0]!.offset : (BigInt(resolved) + 1n).toString() };
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Waits out the partition's backoff, heartbeating; a rebalance surfaces as a heartbeat error. */
  private async backOff(payload: EachBatchPayload, failed: { error: unknown; next: string }): Promise<void> {
    const { topic, partition } = payload.batch;
    const key = `${topic}:${partition}`;
    const attempt = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, attempt);
    const delay = backoffMs(attempt, this.deps.settings.retryBackoffMs);
    this.log.warn(
      { err: failed.error, topic, partition, offset: failed.next, attempt, retryInMs: delay },
      'batch failed; redelivering after backoff',
    );
    const until = Date.now() + delay;
    for (let left = delay; left > 0; left = until - Date.now()) {
      await wait(Math.min(left, this.deps.settings.heartbeatIntervalMs), this.abort.signal);
      if (this.stopped || !payload.isRunning()) return;
      await payload.heartbeat();
    }
  }
}
