import type { KafkaConnectionOptions } from './client.js';

/** A backoff range: initial × 2^(attempt−1), capped at max. */
export interface BackoffRange {
  initial: number;
  max: number;
}

/** How every consumer of the bus joins its group and retries. */
export interface KafkaConsumerSettings {
  /** The broker drops a member silent this long (default 30000 ms; the broker allows ≥ 6000). */
  sessionTimeoutMs?: number;
  /** At most a third of the session timeout (default 3000 ms). */
  heartbeatIntervalMs?: number;
  /** How long the group waits for members to rejoin during a rebalance (default 60000 ms). */
  rebalanceTimeoutMs?: number;
  /** Long-poll wait of a fetch (default 1000 ms; see docs/adr/0002 on rebalance speed). */
  maxWaitTimeMs?: number;
  /**
   * Within one fetched batch, resolved offsets are committed at most this often
   * (default 5000 ms, Java's auto.commit.interval.ms); kafkajs also commits at
   * the end of every fetched batch, and we before a redelivery backoff.
   */
  commitIntervalMs?: number;
  /**
   * Most bytes a fetch asks for per partition (default 4 MiB; kafkajs and Java
   * say 1 MiB). kafkajs handles a fetched batch before it sends the next fetch
   * and commits after each, so 1 MiB — 50 embeddings of 20 KiB — made round
   * trips the bottleneck: 4 MiB measured 1.3× (1 KiB records) to 2.1× (20 KiB)
   * the throughput (bench/stack/kafka-consume.ts). The fetch as a whole stays
   * under maxBytes, so memory per fetch is bounded as before.
   */
  maxBytesPerPartition?: number;
  /** Most bytes one fetch asks for over all partitions (default 10 MiB, as kafkajs); a fetch's records share its buffer. */
  maxBytes?: number;
  /** Partitions handled at once by one subscriber (default 1). */
  partitionsConsumedConcurrently?: number;
  /** Redelivery backoff after a handler throws (default 100 ms doubling to 5 s), per partition. */
  retryBackoffMs?: BackoffRange;
  /** Backoff of our own restarts after a crash kafkajs gives up on (default 1 s doubling to 30 s). */
  restartBackoffMs?: BackoffRange;
}

export interface KafkaEventBusOptions extends KafkaConnectionOptions {
  /**
   * none (default) or gzip, the only codec kafkajs ships without native
   * add-ons. gzip halves embedding vectors on the wire and on disk, but
   * kafkajs compresses each request serially behind the idempotent producer's
   * single in-flight request: measured, it cut publishing 20 KiB embeddings
   * from ~46 to ~8 MB/s (bench/RESULTS.md), a ceiling of ~400 vectors/s.
   */
  compression?: 'gzip' | 'none';
  /**
   * Upper bound, before compression, of the messages one produce request
   * carries (default 900 000 bytes, under the broker's default
   * `message.max.bytes` of 1 MiB); larger publishes are sent in several requests, in order.
   */
  maxRequestBytes?: number;
  consumer?: KafkaConsumerSettings;
  /** ping() answers false when the cluster does not answer within this (default 2000 ms). */
  pingTimeoutMs?: number;
}

export const CONSUMER_DEFAULTS: Required<KafkaConsumerSettings> = {
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 60_000,
  maxWaitTimeMs: 1_000,
  commitIntervalMs: 5_000,
  maxBytesPerPartition: 4 * 1024 * 1024,
  maxBytes: 10 * 1024 * 1024,
  partitionsConsumedConcurrently: 1,
  retryBackoffMs: { initial: 100, max: 5_000 },
  restartBackoffMs: { initial: 1_000, max: 30_000 },
};

/** See KafkaEventBusOptions.maxRequestBytes. */
export const DEFAULT_MAX_REQUEST_BYTES = 900_000;
