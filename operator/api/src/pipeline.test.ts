import { describe, expect, it } from 'vitest';
import { minimalPipelineManifest } from './fixtures.js';
import { InvalidPipelineError, parseDocumentPipeline } from './pipeline.js';

type Manifest = ReturnType<typeof minimalPipelineManifest>;

function problemsOf(edit: (m: Manifest) => void): string[] {
  const manifest = minimalPipelineManifest();
  edit(manifest);
  try {
    parseDocumentPipeline(manifest);
    return [];
  } catch (err) {
    if (!(err instanceof InvalidPipelineError)) throw err;
    return err.problems;
  }
}

describe('parseDocumentPipeline', () => {
  it('applies the defaults the CRD declares', () => {
    const { spec } = parseDocumentPipeline(minimalPipelineManifest());
    expect(spec.kafka).toEqual({
      bootstrapServers: ['kafka.team-a.svc:9092'],
      tls: false,
      auth: { mechanism: 'none' },
      topics: { partitions: 6, replicationFactor: 3, retentionMs: 604_800_000 },
    });
    expect(spec.chunking).toEqual({ maxTokens: 512, overlapTokens: 64 });
    expect(spec.database).toEqual({ secretRef: { name: 'db', key: 'DATABASE_URL' }, ssl: 'require' });
    expect(spec.docproc).toMatchObject({ minReplicas: 0, maxReplicas: 10, lagThreshold: 10, activationLagThreshold: 0 });
    expect(spec.docproc.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } });
    expect(spec.embedding).toMatchObject({ provider: 'openai', model: 'text-embedding-3-small', dimensions: 1536, secretRef: { name: 'openai', key: 'OPENAI_API_KEY' } });
    expect(spec.gateway).toMatchObject({ replicas: 2 });
    expect(spec.gateway.ingress).toBeUndefined();
    expect(spec.archive).toBeUndefined();
  });

  it('names each bad field, typos included', () => {
    expect(
      problemsOf((m) => {
        (m.spec.kafka as Record<string, unknown>).bootstrapServer = 'x:1';
        m.spec.s3.region = 'europe';
        delete (m.spec as Partial<Manifest['spec']>).images;
      }),
    ).toEqual(['spec.kafka.bootstrapServer: unknown field', 'spec.s3.region: Invalid string: must match pattern /^[a-z]{2}(-[a-z]+)+-[0-9]+$/', 'spec.images: required']);
  });

  it('rejects a name that cannot prefix its children’s Service names', () => {
    expect(problemsOf((m) => void (m.metadata.name = 'x'.repeat(41)))).toEqual([expect.stringMatching(/^metadata\.name: /)]);
    expect(problemsOf((m) => void (m.metadata.name = '9lives'))).toEqual([expect.stringMatching(/^metadata\.name: /)]);
  });

  it('rejects another kind or version', () => {
    expect(problemsOf((m) => void ((m as { apiVersion: string }).apiVersion = 'docpipe.dev/v1'))).toEqual([expect.stringMatching(/^apiVersion: /)]);
  });
});

// The same rules as the CRD's CEL, in TypeScript: each case fails, then passes once fixed.
describe('cross-field rules', () => {
  it.each<[string, (m: Manifest) => void, (m: Manifest) => void, string]>([
    [
      'minReplicas <= maxReplicas',
      (m) => void (m.spec.docproc = { minReplicas: 5, maxReplicas: 2 }),
      (m) => void (m.spec.docproc = { minReplicas: 2, maxReplicas: 2 }),
      'spec.docproc.minReplicas: minReplicas must not exceed maxReplicas',
    ],
    [
      'the embedding worker’s bounds',
      (m) => Object.assign(m.spec.embedding, { minReplicas: 3, maxReplicas: 1 }),
      (m) => Object.assign(m.spec.embedding, { minReplicas: 0, maxReplicas: 1 }),
      'spec.embedding.minReplicas: minReplicas must not exceed maxReplicas',
    ],
    [
      'overlapTokens < maxTokens',
      (m) => void (m.spec.chunking = { maxTokens: 64, overlapTokens: 64 }),
      (m) => void (m.spec.chunking = { maxTokens: 64, overlapTokens: 63 }),
      'spec.chunking.overlapTokens: overlapTokens must be below maxTokens',
    ],
    [
      'TLS for MSK IAM',
      (m) => Object.assign(m.spec.kafka, { auth: { mechanism: 'aws-iam' } }),
      (m) => Object.assign(m.spec.kafka, { auth: { mechanism: 'aws-iam' }, tls: true }),
      'spec.kafka.tls: MSK IAM authentication (auth.mechanism aws-iam) requires tls: true',
    ],
    [
      'SCRAM credentials',
      (m) => Object.assign(m.spec.kafka, { auth: { mechanism: 'scram-sha-512' } }),
      (m) => Object.assign(m.spec.kafka, { auth: { mechanism: 'scram-sha-512', secretRef: { name: 'kafka-user' } } }),
      'spec.kafka.auth.secretRef: secretRef is required with a SCRAM mechanism',
    ],
    [
      'the OpenAI key',
      (m) => delete m.spec.embedding.secretRef,
      (m) => Object.assign(m.spec.embedding, { secretRef: undefined, provider: 'local' }),
      'spec.embedding.secretRef: secretRef (the OpenAI API key) is required with provider openai',
    ],
    [
      'images',
      (m) => void (m.spec.images = { repository: 'r' }),
      (m) => void (m.spec.images = { gateway: 'g:1', ingest: 'i:1', docproc: 'd:1', embedding: 'e:1' }),
      'spec.images: set repository and tag, or an image for each of gateway, ingest, docproc and embedding',
    ],
  ])('%s', (_name, breakIt, fixIt, problem) => {
    expect(problemsOf(breakIt)).toEqual([problem]);
    expect(problemsOf(fixIt)).toEqual([]);
  });

  const archive = {
    pluginArn: 'arn:aws:kafkaconnect:eu-west-1:123456789012:custom-plugin/s3-sink/abc',
    serviceExecutionRoleArn: 'arn:aws:iam::123456789012:role/connector',
    hdfsUrl: 's3a://archive-bucket',
    vpc: { subnets: ['subnet-0a1b'], securityGroups: ['sg-0c3d'] },
  };

  it('archive capacity: exactly one of autoscaling and provisioned', () => {
    const withCapacity = (capacity: object) => (m: Manifest) => void (m.spec.archive = { ...archive, capacity });
    expect(problemsOf(withCapacity({}))).toEqual(['spec.archive.capacity: set exactly one of autoscaling or provisioned']);
    expect(problemsOf(withCapacity({ autoscaling: {}, provisioned: {} }))).toEqual(['spec.archive.capacity: set exactly one of autoscaling or provisioned']);
    expect(problemsOf(withCapacity({ autoscaling: { minWorkers: 3, maxWorkers: 2 } }))).toEqual([
      'spec.archive.capacity.autoscaling.minWorkers: minWorkers must not exceed maxWorkers',
    ]);
    expect(problemsOf(withCapacity({ provisioned: { workerCount: 2, mcuCount: 2 } }))).toEqual([]);
  });

  it('analytics backfill: from not after to', () => {
    const withBackfill = (from: string, to: string) => (m: Manifest) =>
      void (m.spec.analytics = { emrClusterId: 'j-ABC123', scriptsBucket: 'scripts-bucket', batch: { outputPath: 's3://out/daily/', backfill: { from, to } } });
    expect(problemsOf(withBackfill('2026-11-02', '2026-11-01'))).toEqual(['spec.analytics.batch.backfill.from: from must not be after to']);
    expect(problemsOf(withBackfill('2026-11-01', '2026-11-01'))).toEqual([]);
  });
});
