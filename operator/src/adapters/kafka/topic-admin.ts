import type { Logger } from '@docpipe/runtime';
import { ensureTopics, type KafkaConnectionOptions, type KafkaSasl } from '@docpipe/runtime/kafka';
import type { KafkaCluster, TopicAdmin, TopicsOutcome, TopicWanted } from '../../controller/ports.js';

export interface KafkaTopicAdminOptions {
  logger: Logger;
  clientId?: string;
  /** Fail fast: a reconcile must not hang on an unreachable cluster (the queue retries with backoff). */
  connectionTimeoutMs?: number;
  retries?: number;
}

/** The connection options of a pipeline's Kafka cluster (pure). */
export function connectionOptions(cluster: KafkaCluster, opts: KafkaTopicAdminOptions): KafkaConnectionOptions {
  const options: KafkaConnectionOptions = {
    brokers: [...cluster.kafka.bootstrapServers],
    clientId: opts.clientId ?? 'docpipe-operator',
    ssl: cluster.kafka.tls,
    logger: opts.logger,
    connectionTimeoutMs: opts.connectionTimeoutMs ?? 3_000,
    requestTimeoutMs: 15_000,
    retry: { retries: opts.retries ?? 2, initialRetryTimeMs: 300, maxRetryTimeMs: 3_000 },
  };
  const sasl = saslOf(cluster);
  if (sasl !== undefined) options.sasl = sasl;
  return options;
}

function saslOf(cluster: KafkaCluster): KafkaSasl | undefined {
  const mechanism = cluster.kafka.auth.mechanism;
  if (mechanism === 'none') return undefined;
  if (mechanism === 'aws-iam') return { mechanism, region: cluster.region };
  if (cluster.credentials === undefined) throw new Error(`spec.kafka.auth: ${mechanism} needs the credentials of secretRef`);
  return { mechanism, ...cluster.credentials };
}

/**
 * TopicAdmin on kafkajs's admin client, through @docpipe/runtime/kafka's
 * ensureTopics: one short-lived admin connection per call, closed after.
 * Creates missing topics with the pipeline's partitions, replication and
 * retention; grows partitions; never shrinks, deletes or rewrites configs
 * of existing topics (ensureTopics leaves those alone).
 */
export class KafkaTopicAdmin implements TopicAdmin {
  constructor(private readonly opts: KafkaTopicAdminOptions) {}

  async ensureTopics(cluster: KafkaCluster, topics: TopicWanted[]): Promise<TopicsOutcome> {
    const specs = topics.map((t) => ({
      topic: t.topic,
      numPartitions: t.partitions,
      replicationFactor: t.replicationFactor,
      configs: { 'retention.ms': String(t.retentionMs) },
    }));
    const result = await ensureTopics(connectionOptions(cluster, this.opts), specs);
    const grown = result.grown.map((g) => g.topic);
    return {
      created: result.created,
      updated: grown,
      unchanged: topics.map((t) => t.topic).filter((t) => !result.created.includes(t) && !grown.includes(t)),
    };
  }
}
