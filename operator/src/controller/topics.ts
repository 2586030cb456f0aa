import { ALL_TOPICS } from '@docpipe/contracts';
import type { DocumentPipeline } from '@docpipe/operator-api';
import { messageOf } from './children.js';
import type { KafkaCredentials, KubeApi, TopicAdmin, TopicsOutcome, TopicWanted } from './ports.js';
import type { PartCondition, ReconcileProblem } from './status.js';

/** The pipeline's topics (services/contracts) with its partitions, replication and retention. */
export function wantedTopics(pipeline: DocumentPipeline): TopicWanted[] {
  const { partitions, replicationFactor, retentionMs } = pipeline.spec.kafka.topics;
  return ALL_TOPICS.map((topic) => ({ topic, partitions, replicationFactor, retentionMs }));
}

/** The SCRAM credentials of the pipeline, read from its Secret; undefined without SCRAM. */
export async function kafkaCredentials(kube: KubeApi, pipeline: DocumentPipeline): Promise<KafkaCredentials | undefined> {
  const auth = pipeline.spec.kafka.auth;
  if (!auth.mechanism.startsWith('scram-') || auth.secretRef === undefined) return undefined;
  const namespace = pipeline.metadata.namespace ?? 'default';
  const data = await kube.readSecret(namespace, auth.secretRef.name);
  if (data === undefined) throw new Error(`Secret ${namespace}/${auth.secretRef.name} (spec.kafka.auth.secretRef) not found`);
  const username = data[auth.secretRef.usernameKey];
  const password = data[auth.secretRef.passwordKey];
  if (!username || !password) {
    throw new Error(`Secret ${auth.secretRef.name} lacks ${auth.secretRef.usernameKey} or ${auth.secretRef.passwordKey} (spec.kafka.auth.secretRef)`);
  }
  return { username, password };
}

/** A sentence of what ensureTopics did. */
export function describeTopics(outcome: TopicsOutcome): string {
  const parts = [
    outcome.created.length > 0 ? `created ${outcome.created.join(', ')}` : '',
    outcome.updated.length > 0 ? `updated ${outcome.updated.join(', ')}` : '',
    outcome.unchanged.length > 0 ? `${outcome.unchanged.length} as wanted` : '',
  ];
  return parts.filter(Boolean).join('; ');
}

export interface TopicsStep {
  condition: PartCondition;
  problem?: ReconcileProblem;
  outcome?: TopicsOutcome;
}

/** Ensures the topics; a failure is a False TopicsReady and a problem (retried with backoff). */
export async function ensurePipelineTopics(kube: KubeApi, admin: TopicAdmin, pipeline: DocumentPipeline): Promise<TopicsStep> {
  try {
    const credentials = await kafkaCredentials(kube, pipeline);
    const cluster = { kafka: pipeline.spec.kafka, region: pipeline.spec.s3.region, ...(credentials ? { credentials } : {}) };
    const outcome = await admin.ensureTopics(cluster, wantedTopics(pipeline));
    const message = `${ALL_TOPICS.length} topics: ${describeTopics(outcome)}`;
    return { condition: { type: 'TopicsReady', status: 'True', reason: 'TopicsEnsured', message }, outcome };
  } catch (err) {
    const message = `topics: ${messageOf(err)}`;
    return { condition: { type: 'TopicsReady', status: 'False', reason: 'TopicsFailed', message }, problem: { reason: 'TopicsFailed', message } };
  }
}

/** Which pipeline, and which of its objects and generations, a topic check was for. */
export interface PipelineVersion {
  /** `namespace/name`: what a reconcile of a gone pipeline still knows. */
  key: string;
  uid: string;
  generation: number;
}

/**
 * Remembers the last successful topic check per pipeline, so the Kafka
 * admin is called once per generation and then at most every `recheckMs`,
 * not on every child event. Kept by `namespace/name` (a pipeline recreated
 * under the name has a new uid and is checked afresh) so that the reconcile
 * finding a pipeline gone can forget it.
 */
export class TopicsMemo {
  private readonly last = new Map<string, { uid: string; generation: number; at: number; condition: PartCondition }>();

  constructor(private readonly recheckMs: number) {}

  /** The remembered condition while it stands for this uid and generation. */
  fresh(v: PipelineVersion, now: number): PartCondition | undefined {
    const entry = this.last.get(v.key);
    return entry !== undefined && entry.uid === v.uid && entry.generation === v.generation && now - entry.at < this.recheckMs ? entry.condition : undefined;
  }

  /** Remembers a successful check; a failed one forgets, so the next reconcile checks again. */
  remember(v: PipelineVersion, now: number, condition: PartCondition): void {
    if (condition.status === 'True') this.last.set(v.key, { uid: v.uid, generation: v.generation, at: now, condition });
    else this.last.delete(v.key);
  }

  /** Drops the pipeline `namespace/name` (it is being deleted, or gone). */
  forget(key: string): void {
    this.last.delete(key);
  }

  /** Pipelines remembered. */
  get size(): number {
    return this.last.size;
  }
}
