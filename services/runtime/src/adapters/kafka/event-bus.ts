import type { EncodedMessage, TopicName } from '@docpipe/contracts';
import kafkajs from 'kafkajs';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Logger } from '../../logging.js';
import { validateSubscribeOptions, type EventBus, type SubscribeOptions, type Subscription } from '../../ports/event-bus.js';
import { createKafkaClient, DEFAULT_RETRY, retryOptions } from './client.js';
import { splitBySize, toKafkaMessage } from './messages.js';
import { CONSUMER_DEFAULTS, DEFAULT_MAX_REQUEST_BYTES, type KafkaEventBusOptions } from './options.js';
import { KafkaSubscription } from './subscription.js';
import { ensureTopicsWith, type EnsureTopicsResult, type TopicSpec } from './topics.js';

const { CompressionTypes, Partitioners } = kafkajs;

/** A memoized connect that is forgotten when it fails, so the next call tries again. */
class LazyConnection {
  private connecting: Promise<void> | undefined;

  constructor(private readonly connect: () => Promise<void>) {}

  get attempted(): boolean {
    return this.connecting !== undefined;
  }

  ready(): Promise<void> {
    this.connecting ??= this.connect().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }
}

/**
 * The EventBus on Kafka (kafkajs). Publishing uses one idempotent producer
 * (acks=all, keyed with Kafka's murmur2 partitioner, as Java clients and the
 * embedded bus do); each subscribe is one consumer in its group. Connections
 * are made on first use and remade after the cluster comes back.
 *
 * One difference from the embedded bus: with `fromBeginning: false`, a new
 * group's "end of the log" is taken at its first fetch, just after subscribe
 * resolves (Kafka's auto.offset.reset=latest), not at the subscribe call.
 */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly producerConnection: LazyConnection;
  private readonly adminConnection: LazyConnection;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly logger: Logger;
  private closed = false;

  constructor(private readonly opts: KafkaEventBusOptions) {
    this.logger = opts.logger.child({ component: 'kafka-event-bus' });
    this.kafka = createKafkaClient(opts);
    this.producer = this.kafka.producer({
      idempotent: true,
      // kafkajs keeps per-partition sequence numbers right only with one request in flight.
      maxInFlightRequests: 1,
      // Bounded, unlike kafkajs's idempotent default (forever): a publish must fail
      // while the cluster is away, and the outbox relay retries it later. kafkajs
      // refuses an idempotent producer without at least one retry.
      retry: retryOptions({ ...opts.retry, retries: Math.max(1, opts.retry?.retries ?? DEFAULT_RETRY.retries) }),
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    this.admin = this.kafka.admin({ retry: retryOptions(opts.retry) });
    this.producerConnection = new LazyConnection(() => this.producer.connect());
    this.adminConnection = new LazyConnection(() => this.admin.connect());
  }

  async publish(topic: TopicName, messages: EncodedMessage[]): Promise<void> {
    this.assertOpen();
    if (messages.length === 0) return;
    try {
      await this.producerConnection.ready();
      // One request after the other: the idempotent producer keeps each key's order across them.
      for (const run of splitBySize(messages, this.opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES)) {
        await this.producer.send({
          topic,
          acks: -1,
          compression: this.opts.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
          messages: run.map(toKafkaMessage),
        });
      }
    } catch (err) {
      throw new Error(`kafka: publishing ${messages.length} message(s) to ${topic} failed: ${errorMessage(err)}`, { cause: err });
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    validateSubscribeOptions(options);
    const subscription = new KafkaSubscription(options, {
      kafka: this.kafka,
      settings: { ...CONSUMER_DEFAULTS, ...this.opts.consumer },
      retry: retryOptions(this.opts.retry),
      logger: this.logger,
    });
    await subscription.start();
    this.subscriptions.add(subscription);
    return {
      stop: async () => {
        await subscription.stop();
        this.subscriptions.delete(subscription);
      },
    };
  }

  /** True when the cluster answers a metadata request within `pingTimeoutMs`. */
  async ping(): Promise<boolean> {
    if (this.closed) return false;
    const probe = this.adminConnection.ready().then(() => this.admin.describeCluster());
    try {
      await withTimeout(probe, this.opts.pingTimeoutMs ?? 2_000);
      return true;
    } catch (err) {
      this.logger.debug({ err }, 'kafka ping failed');
      return false;
    }
  }

  /** Creates missing topics and adds partitions where needed (see ensureTopics). */
  async ensureTopics(topics: TopicSpec[]): Promise<EnsureTopicsResult> {
    this.assertOpen();
    await this.adminConnection.ready();
    return ensureTopicsWith(this.admin, topics, this.logger);
  }

  /** Stops every subscription (each finishing its batch and committing), then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.subscriptions.clear();
    const disconnects = [];
    if (this.producerConnection.attempted) disconnects.push(this.producer.disconnect());
    if (this.adminConnection.attempted) disconnects.push(this.admin.disconnect());
    for (const result of await Promise.allSettled(disconnects)) {
      if (result.status === 'rejected') this.logger.warn({ err: result.reason }, 'kafka client did not disconnect cleanly');
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event bus is closed');
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Rejects after `ms`; `promise` keeps running but can no longer cause an unhandled rejection. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Builds the bus; nothing connects until the first publish, subscribe or ping. */
export async function openKafkaEventBus(opts: KafkaEventBusOptions): Promise<KafkaEventBus> {
  return new KafkaEventBus(opts);
}
