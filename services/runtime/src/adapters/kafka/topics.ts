import type { Admin, ITopicConfig } from 'kafkajs';
import type { Logger } from '../../logging.js';
import { createKafkaClient, type KafkaConnectionOptions } from './client.js';

/** A topic as it should exist. */
export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  /** Topic configs for creation (e.g. `retention.ms`); existing topics' configs are left alone. */
  configs?: Record<string, string>;
}

/** What ensureTopics changed. */
export interface EnsureTopicsResult {
  created: string[];
  grown: Array<{ topic: string; from: number; to: number }>;
}

/**
 * Makes every topic exist with at least its partitions (the broker does not
 * auto-create them): creates what is missing, adds partitions where there are
 * fewer. Safe when several processes run it at once. Never shrinks a topic,
 * never changes its replication factor or configs (the operator owns those).
 */
export async function ensureTopics(opts: KafkaConnectionOptions, topics: TopicSpec[]): Promise<EnsureTopicsResult> {
  const admin = createKafkaClient(opts).admin();
  await admin.connect();
  try {
    return await ensureTopicsWith(admin, topics, opts.logger.child({ component: 'kafka-topics' }));
  } finally {
    await admin.disconnect();
  }
}

/** ensureTopics on an admin client that is already connected. */
export async function ensureTopicsWith(admin: Admin, topics: TopicSpec[], logger: Logger): Promise<EnsureTopicsResult> {
  topics.forEach(validateSpec);
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  const created = await createMissing(admin, missing);
  for (const topic of created) logger.info({ topic }, 'topic created');
  const grown = await growPartitions(
    admin,
    topics.filter((t) => !created.includes(t.topic)),
  );
  for (const g of grown) logger.info(g, 'topic partitions added');
  return { created, grown };
}

/** The kafkajs topic configuration for a spec. */
export function topicConfig(spec: TopicSpec): ITopicConfig {
  return {
    topic: spec.topic,
    numPartitions: spec.numPartitions,
    replicationFactor: spec.replicationFactor,
    configEntries: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
  };
}

function validateSpec(spec: TopicSpec): void {
  const ok = (n: number) => Number.isInteger(n) && n >= 1;
  if (!spec.topic) throw new Error('ensureTopics: a topic name is empty');
  if (!ok(spec.numPartitions)) throw new Error(`ensureTopics: ${spec.topic}: numPartitions must be ≥ 1, got ${spec.numPartitions}`);
  if (!ok(spec.replicationFactor)) {
    throw new Error(`ensureTopics: ${spec.topic}: replicationFactor must be ≥ 1, got ${spec.replicationFactor}`);
  }
}

/** Creates `missing`; returns the names it created (none when another process won the race). */
async function createMissing(admin: Admin, missing: TopicSpec[]): Promise<string[]> {
  if (missing.length === 0) return [];
  try {
    // kafkajs answers false when the only errors were TOPIC_ALREADY_EXISTS.
    const createdAll = await admin.createTopics({ topics: missing.map(topicConfig), validateOnly: false, waitForLeaders: true });
    return createdAll ? missing.map((t) => t.topic) : [];
  } catch (err) {
    throw new Error(`ensureTopics: creating ${missing.map((t) => t.topic).join(', ')} failed`, { cause: err });
  }
}

async function partitionCounts(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
  return new Map(metadata.map((t) => [t.name, t.partitions.length]));
}

async function growPartitions(admin: Admin, specs: TopicSpec[]): Promise<EnsureTopicsResult['grown']> {
  if (specs.length === 0) return [];
  const counts = await partitionCounts(admin, specs.map((s) => s.topic));
  const short = specs.filter((s) => (counts.get(s.topic) ?? 0) < s.numPartitions);
  if (short.length === 0) return [];
  try {
    await admin.createPartitions({ topicPartitions: short.map((s) => ({ topic: s.topic, count: s.numPartitions })) });
  } catch (err) {
    // Another process may have grown them first (INVALID_PARTITIONS): fine if they are big enough now.
    const now = await partitionCounts(admin, short.map((s) => s.topic));
    if (short.some((s) => (now.get(s.topic) ?? 0) < s.numPartitions)) {
      throw new Error(`ensureTopics: adding partitions to ${short.map((s) => s.topic).join(', ')} failed`, { cause: err });
    }
    return [];
  }
  return short.map((s) => ({ topic: s.topic, from: counts.get(s.topic) ?? 0, to: s.numPartitions }));
}
