import { createHash } from 'node:crypto';
import type { DocumentPipeline } from '@docpipe/operator-api';
import type { EnvVar } from 'cdk8s-plus-34/lib/imports/k8s.js';
import { childName, PORTS, type Component } from './names.js';

/**
 * The non-secret environment of the services (the README's configuration
 * table), shared by the four Deployments through one ConfigMap. Keys each
 * service does not read are ignored by its zod schema. Ports differ per
 * service and so are set on the container instead (serviceEnv).
 */
export function configMapData(pipeline: DocumentPipeline): Record<string, string> {
  const { kafka, s3, database, embedding, chunking } = pipeline.spec;
  const data: Record<string, string> = {
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    // One region for S3 and MSK IAM: the services read a single AWS_REGION.
    AWS_REGION: s3.region,
    S3_BUCKET: s3.bucket,
    KAFKA_BROKERS: kafka.bootstrapServers.join(','),
    KAFKA_CLIENT_ID: `docpipe-${pipeline.metadata.name}`,
    KAFKA_SSL: String(kafka.tls),
    KAFKA_SASL_MECHANISM: kafka.auth.mechanism,
    // In a cluster the operator owns the topics (partitions, replication, retention).
    KAFKA_ENSURE_TOPICS: 'false',
    DATABASE_SSL: database.ssl,
    CHUNK_MAX_TOKENS: String(chunking.maxTokens),
    CHUNK_OVERLAP_TOKENS: String(chunking.overlapTokens),
    EMBEDDER: embedding.provider,
    EMBEDDING_MODEL: embedding.model,
    EMBEDDING_DIMENSIONS: String(embedding.dimensions),
    INGEST_URL: `http://${childName(pipeline, 'ingest')}:${PORTS.ingest.port}`,
  };
  if (s3.endpoint !== undefined) Object.assign(data, { S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true' });
  if (embedding.baseURL !== undefined) data.OPENAI_BASE_URL = embedding.baseURL;
  return Object.fromEntries(Object.entries(data).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * A digest of the ConfigMap's data, put on every pod template: pods read their
 * environment once, so a changed ConfigMap must roll them. Content-derived,
 * so an unchanged pipeline never rolls anything.
 */
export function configDigest(data: Record<string, string>): string {
  return createHash('sha256').update(JSON.stringify(data)).digest('hex');
}

/** The container's own variables: its port and the secrets it needs, each from a Secret key. */
export function serviceEnv(pipeline: DocumentPipeline, component: Component): EnvVar[] {
  const env: EnvVar[] = [{ name: PORTS[component].env, value: String(PORTS[component].port) }];
  if (component === 'ingest') env.push(secretEnv('DATABASE_URL', pipeline.spec.database.secretRef));
  if (component === 'embedding' && pipeline.spec.embedding.secretRef) {
    env.push(secretEnv('OPENAI_API_KEY', pipeline.spec.embedding.secretRef));
  }
  return [...env, ...kafkaCredentials(pipeline, component)];
}

function kafkaCredentials(pipeline: DocumentPipeline, component: Component): EnvVar[] {
  const secret = pipeline.spec.kafka.auth.secretRef;
  if (component === 'gateway' || secret === undefined || !pipeline.spec.kafka.auth.mechanism.startsWith('scram-')) return [];
  return [
    secretEnv('KAFKA_SASL_USERNAME', { name: secret.name, key: secret.usernameKey }),
    secretEnv('KAFKA_SASL_PASSWORD', { name: secret.name, key: secret.passwordKey }),
  ];
}

function secretEnv(name: string, ref: { name: string; key: string }): EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}
