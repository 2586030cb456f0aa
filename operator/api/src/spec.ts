import { z } from 'zod';
import { AnalyticsSpec, ArchiveSpec } from './aws.js';
import { dnsSubdomain, int, resources, secretKeyRef, stringMap } from './fields.js';
import { withRules, type CelRule } from './rules.js';

const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/);

const KafkaAuth = withRules(
  z.strictObject({
    mechanism: z
      .enum(['none', 'scram-sha-256', 'scram-sha-512', 'aws-iam'])
      .default('none')
      .describe('SASL mechanism; aws-iam is MSK IAM (the pods authenticate with their IRSA role)'),
    secretRef: z
      .strictObject({
        name: dnsSubdomain.describe('the Secret holding the SCRAM credentials'),
        usernameKey: z.string().min(1).default('username'),
        passwordKey: z.string().min(1).default('password'),
      })
      .optional()
      .describe('SCRAM credentials (required with scram-*)'),
  }),
  [
    {
      rule: "!self.mechanism.startsWith('scram-') || has(self.secretRef)",
      message: 'secretRef is required with a SCRAM mechanism',
      fieldPath: '.secretRef',
      holds: (a) => !a.mechanism.startsWith('scram-') || a.secretRef !== undefined,
    },
  ],
);

export const KafkaSpec = withRules(
  z
    .strictObject({
      bootstrapServers: z.array(hostPort).min(1).max(32).describe('bootstrap brokers, host:port (MSK: the TLS or IAM bootstrap string)'),
      tls: z.boolean().default(false).describe('TLS to the brokers (MSK: true)'),
      auth: KafkaAuth.prefault({}),
      topics: z
        .strictObject({
          partitions: int(1, 10_000).default(6).describe('partitions of every pipeline topic (bounds the workers that consume in parallel)'),
          replicationFactor: int(1, 32).default(3),
          retentionMs: int(-1, 31_536_000_000_000).default(604_800_000).describe('retention of every pipeline topic, ms (-1: forever)'),
        })
        .prefault({}),
    })
    .describe('the Kafka (MSK) cluster and the topics the operator ensures'),
  [
    {
      rule: "self.auth.mechanism != 'aws-iam' || self.tls",
      message: 'MSK IAM authentication (auth.mechanism aws-iam) requires tls: true',
      fieldPath: '.tls',
      holds: (k) => k.auth.mechanism !== 'aws-iam' || k.tls,
    },
  ],
);

export const S3Spec = z
  .strictObject({
    bucket: z
      .string()
      .min(3)
      .max(63)
      .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-[0-9]+$/),
    endpoint: z
      .string()
      .regex(/^https?:\/\/\S+$/)
      .optional()
      .describe('an S3-compatible endpoint (MinIO); unset on AWS'),
  })
  .describe('where documents are stored');

export const DatabaseSpec = z
  .strictObject({
    secretRef: secretKeyRef('DATABASE_URL', 'the postgres:// URL of the database (RDS)'),
    ssl: z.enum(['none', 'require', 'verify-full']).default('require').describe('TLS to PostgreSQL (RDS: require or verify-full)'),
  })
  .describe('the PostgreSQL database');

export const ChunkingSpec = withRules(
  z.strictObject({
    maxTokens: int(16, 8192).default(512).describe('largest chunk, in cl100k_base tokens'),
    overlapTokens: int(0, 8191).default(64).describe('tokens a chunk repeats from the previous one'),
  }),
  [
    {
      rule: 'self.overlapTokens < self.maxTokens',
      message: 'overlapTokens must be below maxTokens',
      fieldPath: '.overlapTokens',
      holds: (c) => c.overlapTokens < c.maxTokens,
    },
  ],
);

const image = z.string().min(1).max(512).regex(/^\S+$/);
export const IMAGE_COMPONENTS = ['gateway', 'ingest', 'docproc', 'embedding'] as const;

export const ImagesSpec = withRules(
  z
    .strictObject({
      repository: z.string().min(1).max(400).regex(/^\S+$/).optional().describe('images are <repository>/<component>:<tag> unless named one by one'),
      tag: z
        .string()
        .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/)
        .optional(),
      gateway: image.optional(),
      ingest: image.optional(),
      docproc: image.optional(),
      embedding: image.optional(),
      pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
    })
    .describe('container images: one repository and tag, or one image per component'),
  [
    {
      rule: '(has(self.repository) && has(self.tag)) || (has(self.gateway) && has(self.ingest) && has(self.docproc) && has(self.embedding))',
      message: 'set repository and tag, or an image for each of gateway, ingest, docproc and embedding',
      holds: (i) => (i.repository !== undefined && i.tag !== undefined) || IMAGE_COMPONENTS.every((c) => i[c] !== undefined),
    },
  ],
);

export const GatewaySpec = z.strictObject({
  replicas: int(1, 100).default(2),
  resources: resources({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } }),
  ingress: z
    .strictObject({
      className: dnsSubdomain.default('alb').describe('IngressClass (EKS: alb, the AWS Load Balancer Controller)'),
      host: dnsSubdomain.describe('the public host name of the upload API'),
      tls: z.strictObject({ secretName: dnsSubdomain }).optional().describe('a TLS Secret (with ALB, usually unset: the certificate is an ACM annotation)'),
      annotations: stringMap.default({}).describe('Ingress annotations, e.g. alb.ingress.kubernetes.io/*'),
    })
    .optional()
    .describe('the gateway Ingress; unset: no Ingress'),
});

export const IngestSpec = z.strictObject({
  replicas: int(1, 100).default(2),
  resources: resources({ requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } }),
});

interface WorkerDefaults {
  lagThreshold: number;
  requests: { cpu: string; memory: string };
  limits: { memory: string };
}

/** Replica bounds, KEDA thresholds and resources of a Kafka worker. */
function workerFields(defaults: WorkerDefaults) {
  return {
    minReplicas: int(0, 1000).default(0).describe('0: scale to zero when the consumer group has no lag'),
    maxReplicas: int(1, 1000).default(10).describe('upper bound (KEDA also stops at the topic partition count)'),
    lagThreshold: int(1, 1_000_000).default(defaults.lagThreshold).describe('target consumer-group lag per replica'),
    activationLagThreshold: int(0, 1_000_000).default(0).describe('lag above which the worker scales up from zero'),
    resources: resources(defaults),
  };
}

const replicaBounds: CelRule<{ minReplicas: number; maxReplicas: number }> = {
  rule: 'self.minReplicas <= self.maxReplicas',
  message: 'minReplicas must not exceed maxReplicas',
  fieldPath: '.minReplicas',
  holds: (w) => w.minReplicas <= w.maxReplicas,
};

export const DocprocSpec = withRules(
  z.strictObject(workerFields({ lagThreshold: 10, requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } })),
  [replicaBounds],
).describe('the docproc worker: extraction and chunking, scaled by KEDA on its consumer-group lag');

export const EmbeddingSpec = withRules(
  z.strictObject({
    provider: z.enum(['openai', 'local']).default('openai').describe('openai, or local: deterministic vectors without a network (dev)'),
    model: z.string().min(1).max(128).default('text-embedding-3-small'),
    dimensions: int(1, 3072).default(1536),
    secretRef: secretKeyRef('OPENAI_API_KEY', 'the OpenAI API key').optional(),
    baseURL: z
      .string()
      .regex(/^https?:\/\/\S+$/)
      .optional()
      .describe('an OpenAI-compatible endpoint, …/v1 (unset: api.openai.com)'),
    ...workerFields({ lagThreshold: 200, requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } }),
  }),
  [
    {
      rule: "self.provider != 'openai' || has(self.secretRef)",
      message: 'secretRef (the OpenAI API key) is required with provider openai',
      fieldPath: '.secretRef',
      holds: (e) => e.provider !== 'openai' || e.secretRef !== undefined,
    },
    replicaBounds,
  ],
).describe('the embedding worker: provider, model and key; scaled by KEDA on its consumer-group lag');

export const ServiceAccountSpec = z.strictObject({
  annotations: stringMap.default({}).describe('e.g. eks.amazonaws.com/role-arn for IRSA'),
});

/** The spec of a DocumentPipeline. */
export const DocumentPipelineSpec = z.strictObject({
  kafka: KafkaSpec,
  s3: S3Spec,
  database: DatabaseSpec,
  embedding: EmbeddingSpec,
  chunking: ChunkingSpec.prefault({}),
  images: ImagesSpec,
  gateway: GatewaySpec.prefault({}),
  ingest: IngestSpec.prefault({}),
  docproc: DocprocSpec.prefault({}),
  serviceAccount: ServiceAccountSpec.prefault({}),
  archive: ArchiveSpec.optional(),
  analytics: AnalyticsSpec.optional(),
});
export type DocumentPipelineSpec = z.output<typeof DocumentPipelineSpec>;
/** What a manifest may leave out (defaults not applied yet). */
export type DocumentPipelineSpecInput = z.input<typeof DocumentPipelineSpec>;
export type KafkaSpec = z.output<typeof KafkaSpec>;
export type EmbeddingSpec = z.output<typeof EmbeddingSpec>;
export type DocprocSpec = z.output<typeof DocprocSpec>;
export type WorkerSpec = DocprocSpec;
export type ImagesSpec = z.output<typeof ImagesSpec>;
