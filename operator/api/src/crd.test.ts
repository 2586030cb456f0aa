import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { documentPipelineCrd, documentPipelineCrdYaml, documentPipelineSchema } from './crd.js';
import { minimalPipelineManifest } from './fixtures.js';
import type { JSONSchemaProps } from './openapi.js';

const example = (): { metadata: Record<string, unknown>; spec: Record<string, Record<string, unknown>> } =>
  parse(readFileSync(new URL('../../../deploy/examples/pipeline.yaml', import.meta.url), 'utf8')) as ReturnType<typeof example>;

// x-kubernetes-* are the API server's; ajv checks the rest of the schema (types, bounds, patterns, enums, required).
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const validate = ajv.compile(documentPipelineSchema());

function errorsOf(manifest: unknown): string[] {
  return validate(manifest) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** The example with one change at `path` (a.b.c), or with the field removed when value is undefined. */
function exampleWith(path: string, value: unknown): unknown {
  const manifest = example() as unknown as Record<string, unknown>;
  const keys = path.split('.');
  const last = keys.pop()!;
  const parent = keys.reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, manifest);
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return manifest;
}

function schemaAt(path: string): JSONSchemaProps {
  return path.split('.').reduce<JSONSchemaProps>((node, key) => node.properties![key]!, documentPipelineSchema());
}

describe('the DocumentPipeline CRD', () => {
  it('crds/docpipe.dev_documentpipelines.yaml is what the code generates (run `npm run crds` after a change)', async () => {
    const checkedIn = await readFile(new URL('../../../crds/docpipe.dev_documentpipelines.yaml', import.meta.url), 'utf8');
    expect(checkedIn).toBe(documentPipelineCrdYaml());
  });

  it('names the resource: docpipe.dev/v1alpha1, namespaced, short name dp, status subresource, printer columns', () => {
    const crd = documentPipelineCrd();
    expect(crd.metadata.name).toBe('documentpipelines.docpipe.dev');
    const spec = crd.spec as { group: string; scope: string; names: { shortNames: string[]; kind: string }; versions: Record<string, unknown>[] };
    expect([spec.group, spec.scope, spec.names.kind, spec.names.shortNames]).toEqual(['docpipe.dev', 'Namespaced', 'DocumentPipeline', ['dp']]);
    const [version] = spec.versions;
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
    const columns = version!.additionalPrinterColumns as { name: string; jsonPath: string }[];
    expect(columns.map((c) => [c.name, c.jsonPath])).toEqual([
      ['Ready', '.status.conditions[?(@.type=="Ready")].status'],
      ['Docproc', '.status.replicas.docproc'],
      ['Embedding', '.status.replicas.embedding'],
      ['Age', '.metadata.creationTimestamp'],
    ]);
  });

  it('accepts the example and the minimal pipeline', () => {
    expect(errorsOf(example())).toEqual([]);
    expect(errorsOf(minimalPipelineManifest())).toEqual([]);
  });

  it.each([
    ['spec.kafka.bootstrapServers', [], '/spec/kafka/bootstrapServers must NOT have fewer than 1 items'],
    ['spec.kafka.bootstrapServers', ['no-port'], '/spec/kafka/bootstrapServers/0 must match pattern'],
    ['spec.kafka.auth.mechanism', 'plain', '/spec/kafka/auth/mechanism must be equal to one of the allowed values'],
    ['spec.kafka.topics.partitions', 0, '/spec/kafka/topics/partitions must be >= 1'],
    ['spec.kafka.tls', 'yes', '/spec/kafka/tls must be boolean'],
    ['spec.s3.bucket', 'UPPER', '/spec/s3/bucket must match pattern'],
    ['spec.s3', undefined, " must have required property 's3'"],
    ['spec.database.secretRef', undefined, "/spec/database must have required property 'secretRef'"],
    ['spec.embedding.provider', 'cohere', '/spec/embedding/provider must be equal to one of the allowed values'],
    ['spec.embedding.maxReplicas', 0, '/spec/embedding/maxReplicas must be >= 1'],
    ['spec.docproc.minReplicas', -1, '/spec/docproc/minReplicas must be >= 0'],
    ['spec.docproc.lagThreshold', 1.5, '/spec/docproc/lagThreshold must be integer'],
    ['spec.chunking.maxTokens', 8, '/spec/chunking/maxTokens must be >= 16'],
    ['spec.images.pullPolicy', 'Sometimes', '/spec/images/pullPolicy must be equal to one of the allowed values'],
    ['spec.gateway.ingress.host', undefined, "/spec/gateway/ingress must have required property 'host'"],
    ['spec.docproc.resources.requests.memory', 'lots', '/spec/docproc/resources/requests/memory must match pattern'],
    ['spec.archive.pluginArn', 'plugin', '/spec/archive/pluginArn must match pattern'],
    ['spec.archive.capacity.autoscaling.mcuCount', 3, '/spec/archive/capacity/autoscaling/mcuCount must be equal to one of the allowed values'],
    ['spec.archive.vpc.subnets', [], '/spec/archive/vpc/subnets must NOT have fewer than 1 items'],
    ['spec.analytics.emrClusterId', 'cluster-1', '/spec/analytics/emrClusterId must match pattern'],
    ['spec.analytics.batch.schedule', 'daily', '/spec/analytics/batch/schedule must match pattern'],
  ])('rejects %s = %j', (path, value, expected) => {
    expect(errorsOf(exampleWith(path, value)).join('\n')).toContain(expected);
  });

  it('declares the defaults the services and the operator rely on', () => {
    expect(schemaAt('spec.chunking.maxTokens').default).toBe(512);
    expect(schemaAt('spec.chunking.overlapTokens').default).toBe(64);
    expect(schemaAt('spec.docproc.minReplicas').default).toBe(0);
    expect(schemaAt('spec.kafka.auth.mechanism').default).toBe('none');
    expect(schemaAt('spec.database.secretRef.key').default).toBe('DATABASE_URL');
    expect(schemaAt('spec.embedding.secretRef.key').default).toBe('OPENAI_API_KEY');
    expect(schemaAt('spec.embedding.model').default).toBe('text-embedding-3-small');
  });

  it('merges status conditions by type under server-side apply', () => {
    expect(schemaAt('status.conditions')).toMatchObject({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });
  });
});

describe('the CRD’s CEL rules (evaluated by the API server; here: present where they belong)', () => {
  const rulesAt = (path: string) => (path === '' ? documentPipelineSchema() : schemaAt(path))['x-kubernetes-validations']?.map((v) => v.rule) ?? [];

  it.each([
    ['spec.docproc', 'self.minReplicas <= self.maxReplicas'],
    ['spec.embedding', 'self.minReplicas <= self.maxReplicas'],
    ['spec.embedding', "self.provider != 'openai' || has(self.secretRef)"],
    ['spec.chunking', 'self.overlapTokens < self.maxTokens'],
    ['spec.kafka', "self.auth.mechanism != 'aws-iam' || self.tls"],
    ['spec.kafka.auth', "!self.mechanism.startsWith('scram-') || has(self.secretRef)"],
    ['spec.images', '(has(self.repository) && has(self.tag)) || (has(self.gateway) && has(self.ingest) && has(self.docproc) && has(self.embedding))'],
    ['spec.archive.capacity', 'has(self.autoscaling) != has(self.provisioned)'],
    ['spec.archive.capacity.autoscaling', 'self.minWorkers <= self.maxWorkers'],
    ['spec.analytics.batch.backfill', 'self.from <= self.to'],
  ])('%s has %s', (path, rule) => {
    expect(rulesAt(path)).toContain(rule);
  });

  it('bounds the pipeline name at the root, where metadata.name is visible to CEL', () => {
    expect(rulesAt('')).toEqual([expect.stringContaining('self.metadata.name.size() <= 40')]);
  });

  it('points each rule at a field the API server can name', () => {
    const withPath = documentPipelineSchema().properties!.spec!.properties!.chunking!['x-kubernetes-validations']!;
    expect(withPath).toEqual([{ rule: 'self.overlapTokens < self.maxTokens', message: 'overlapTokens must be below maxTokens', fieldPath: '.overlapTokens' }]);
  });
});
