import type { EncodedMessage, TopicName } from '@docpipe/contracts';

/** A message as a consumer receives it. */
export interface BusMessage {
  topic: string;
  partition: number;
  /** Decimal string, as Kafka reports it. */
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** Record timestamp, epoch ms. */
  timestamp: number;
}

/** Messages of one topic-partition, in offset order. */
export interface MessageBatch {
  topic: string;
  partition: number;
  messages: BusMessage[];
  /**
   * Marks `offset` (and everything before it in this batch) as done. If the
   * handler later throws, the resolved prefix is committed and only the rest
   * is delivered again.
   */
  resolveOffset(offset: string): void;
}

export interface SubscribeOptions {
  /** The consumer group: each group sees every message once (at least once). */
  groupId: string;
  topics: TopicName[];
  /**
   * Called with messages of one partition. Resolving commits the whole batch;
   * throwing commits only what was resolved and redelivers the rest after a
   * backoff. Handlers must be idempotent: redelivery is normal.
   */
  handleBatch(batch: MessageBatch): Promise<void>;
  /** Upper bound on `batch.messages.length` (adapters may deliver fewer). */
  maxBatchSize?: number;
  /** Where a new group starts: the earliest retained offset (default) or the end of the log. */
  fromBeginning?: boolean;
}

export interface Subscription {
  /** Stops fetching, waits for the in-flight batch, commits what succeeded. */
  stop(): Promise<void>;
}

/**
 * EventBus — publish keyed messages; consume as a group; commit after success
 * (DESIGN §6). Kafka in production, an in-process log in local mode.
 */
export interface EventBus {
  /** Resolves once every message is durably acknowledged (acks=all on Kafka). */
  publish(topic: TopicName, messages: EncodedMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** True when the bus can accept publishes now (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Rejects options no adapter can honour; every EventBus calls it first, so all fail alike. */
export function validateSubscribeOptions(options: SubscribeOptions): void {
  if (!options.groupId) throw new Error('subscribe: groupId must not be empty');
  if (options.topics.length === 0) throw new Error('subscribe: name at least one topic');
  const max = options.maxBatchSize;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    throw new Error(`subscribe: maxBatchSize must be a positive integer, got ${max}`);
  }
}
