import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EncodedMessage, TopicName } from '@docpipe/contracts';
import type { Logger } from '../../logging.js';
import { validateSubscribeOptions, type EventBus, type SubscribeOptions, type Subscription } from '../../ports/event-bus.js';
import { ConsumerGroup, type Member } from './group.js';
import { partitionForKey } from './murmur2.js';
import { GroupOffsets } from './offset-store.js';
import type { NewRecord } from './partition-log.js';
import { assertTopicName, openTopic, type Topic } from './topic-store.js';

export interface EmbeddedEventBusOptions {
  /** Persist the log and committed offsets here; memory only when absent. */
  dir?: string;
  /** Partitions of a topic created on first use (default 3). */
  partitions?: number;
  logger: Logger;
  /** Redelivery backoff after a handler throws (default 100 ms doubling to 5 s). */
  retryBackoffMs?: { initial: number; max: number };
  /** Safety-net poll when no append wakes a consumer (default 1 s). */
  pollIntervalMs?: number;
}

const DEFAULTS = { partitions: 3, retryBackoffMs: { initial: 100, max: 5_000 }, pollIntervalMs: 1_000, maxBatchSize: 100 };

/**
 * An in-process partitioned log with the Kafka semantics our services rely
 * on: keyed partitioning (murmur2), per-partition order, consumer groups that
 * split partitions, commit after success, redelivery of what was not resolved.
 */
export class EmbeddedEventBus implements EventBus {
  private readonly topics = new Map<string, Promise<Topic>>();
  private readonly loaded = new Map<string, Topic>();
  private readonly groups = new Map<string, Promise<ConsumerGroup>>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly roundRobin = new Map<string, number>();
  private readonly logger: Logger;
  private nextMemberId = 1;
  private closed = false;

  constructor(private readonly opts: EmbeddedEventBusOptions) {
    this.logger = opts.logger.child({ component: 'embedded-event-bus' });
  }

  async publish(topic: TopicName, messages: EncodedMessage[]): Promise<void> {
    this.assertOpen();
    const t = await this.topic(topic);
    const byPartition = new Map<number, NewRecord[]>();
    const timestamp = Date.now();
    for (const m of messages) {
      const p = this.partitionOf(t, m.key);
      const record: NewRecord = { key: m.key || null, value: Buffer.from(m.value), headers: { ...m.headers }, timestamp };
      const records = byPartition.get(p);
      if (records) records.push(record);
      else byPartition.set(p, [record]);
    }
    await Promise.all([...byPartition].map(([p, records]) => t.partitions[p]!.append(records)));
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    validateSubscribeOptions(options);
    await Promise.all(options.topics.map((name) => this.topic(name)));
    const group = await this.group(options.groupId);
    const member = this.member(options);
    group.join(member);
    this.logger.info({ groupId: options.groupId, topics: options.topics, members: group.size }, 'consumer joined');
    let stopping: Promise<void> | undefined;
    const subscription: Subscription = {
      stop: () => {
        stopping ??= group.leave(member).then(() => {
          this.subscriptions.delete(subscription);
          this.logger.info({ groupId: options.groupId, members: group.size }, 'consumer left');
        });
        return stopping;
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  /** Stops every subscription (each finishing its batch), then closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    const topics = await Promise.allSettled(this.topics.values());
    for (const t of topics) if (t.status === 'fulfilled') await Promise.all(t.value.partitions.map((p) => p.close()));
  }

  /** Opens the bus's directories; called by openEmbeddedEventBus. */
  async init(): Promise<void> {
    if (this.opts.dir) await mkdir(join(this.opts.dir, 'groups'), { recursive: true });
  }

  private partitionOf(topic: Topic, key: string): number {
    const count = topic.partitions.length;
    if (key) return partitionForKey(key, count);
    const next = this.roundRobin.get(topic.name) ?? 0;
    this.roundRobin.set(topic.name, next + 1);
    return next % count;
  }

  private topic(name: string): Promise<Topic> {
    let topic = this.topics.get(name);
    if (!topic) {
      assertTopicName(name);
      topic = openTopic(name, this.opts.partitions ?? DEFAULTS.partitions, this.opts.dir).then((t) => {
        this.loaded.set(name, t);
        return t;
      });
      // A failed open is retried on next use, not cached.
      topic.catch(() => this.topics.delete(name));
      this.topics.set(name, topic);
    }
    return topic;
  }

  private group(groupId: string): Promise<ConsumerGroup> {
    let group = this.groups.get(groupId);
    if (!group) {
      const dir = this.opts.dir ? join(this.opts.dir, 'groups') : undefined;
      group = GroupOffsets.open(dir, groupId).then(
        (offsets) => new ConsumerGroup(groupId, offsets, (topic) => this.loaded.get(topic)?.partitions ?? []),
      );
      group.catch(() => this.groups.delete(groupId));
      this.groups.set(groupId, group);
    }
    return group;
  }

  private member(options: SubscribeOptions): Member {
    const id = this.nextMemberId++;
    return {
      id,
      topics: [...new Set(options.topics)],
      settings: {
        handleBatch: options.handleBatch,
        maxBatchSize: options.maxBatchSize ?? DEFAULTS.maxBatchSize,
        fromBeginning: options.fromBeginning ?? true,
        backoff: this.opts.retryBackoffMs ?? DEFAULTS.retryBackoffMs,
        pollIntervalMs: this.opts.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
        logger: this.logger.child({ groupId: options.groupId, member: id }),
      },
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event bus is closed');
  }
}

/** Opens an embedded event bus; with `dir`, resumes the log and offsets left there. */
export async function openEmbeddedEventBus(opts: EmbeddedEventBusOptions): Promise<EmbeddedEventBus> {
  const partitions = opts.partitions ?? DEFAULTS.partitions;
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`partitions must be ≥ 1, got ${partitions}`);
  const bus = new EmbeddedEventBus(opts);
  await bus.init();
  return bus;
}
