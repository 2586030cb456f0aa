import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_TOPICS } from '@docpipe/contracts';
import { pipelineManifests } from '@docpipe/cdk8s';
import { parseDocumentPipeline } from '@docpipe/operator-api';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  childObjects,
  examplePipeline,
  getJson,
  getPipeline,
  kubectl,
  markPodsReady,
  missingFields,
  stackEnv,
  uniqueLeaseName,
  waitFor,
  waitForCondition,
} from './helpers.js';
import { startOperatorSuite, type OperatorSuite } from './suite.js';

// deploy/examples/pipeline.yaml applied with kubectl (pointed at the stack's
// broker): every child the cdk8s builders describe is on the server with every
// desired field, the status names what is missing and then says Ready, and the
// Kafka topics exist with the spec's partitions.

const NAME = 'docpipe';
let suite: OperatorSuite | undefined;
let namespace: string;
let dir: string;
let admin: kafkajs.Admin;
let partitionsBefore: Map<string, number>;
let partitions: number;

/** Partition count per topic on the broker (absent topics left out). */
async function topicPartitions(): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  const wanted = ALL_TOPICS.filter((t) => existing.has(t));
  const { topics } = await admin.fetchTopicMetadata({ topics: wanted });
  return new Map(topics.map((t) => [t.name, t.partitions.length]));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'op-children-'));
  admin = new kafkajs.Kafka({ clientId: 'op-children-test', brokers: stackEnv().kafkaBrokers.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  // The topic names are the pipeline's (unprefixed), shared by the operator suites:
  // ask for one partition more than the broker has, so creation or growth is this run's doing.
  partitionsBefore = await topicPartitions();
  partitions = Math.min(Math.max(3, ...partitionsBefore.values()) + 1, 24);
  suite = await startOperatorSuite('op-children', { operator: { env: { LEASE_NAME: uniqueLeaseName() } } });
  namespace = suite.namespace;
});

afterAll(async () => {
  const code = await suite?.close();
  await admin?.disconnect();
  if (dir) rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

describe('kubectl apply -f deploy/examples/pipeline.yaml', () => {
  it('creates every child the cdk8s builders describe, with every desired field, owner reference and label', async () => {
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(file, examplePipeline(namespace, NAME, (spec) => ((spec['kafka'] as { topics: { partitions: number } }).topics.partitions = partitions)));
    expect(kubectl(['apply', '-f', file])).toContain(`documentpipeline.docpipe.dev/${NAME} created`);

    const server = getPipeline(namespace, NAME) as unknown as Record<string, unknown>;
    const desired = pipelineManifests(parseDocumentPipeline({ ...server, status: undefined }));
    expect(desired).toHaveLength(19);
    const children = await waitFor('every desired child', () => {
      const items = childObjects(namespace, NAME);
      return items.size >= desired.length ? items : undefined;
    });
    const uid = (server['metadata'] as { uid: string }).uid;
    const owner = { apiVersion: 'docpipe.dev/v1alpha1', kind: 'DocumentPipeline', name: NAME, uid, controller: true, blockOwnerDeletion: true };
    for (const want of desired) {
      const meta = want['metadata'] as { name: string; labels: Record<string, string> };
      const key = `${String(want['kind'])}/${meta.name}`;
      const got = children.get(key);
      expect(got, key).toBeDefined();
      // The server adds defaults, never drops or changes what the operator applied.
      expect(missingFields(got, { ...want, metadata: { ...meta, namespace, ownerReferences: [owner] } }), key).toEqual([]);
      expect(meta.labels['app.kubernetes.io/managed-by'], key).toBe('docpipe-operator');
      expect(meta.labels['app.kubernetes.io/instance'], key).toBe(NAME);
    }
    expect([...children.keys()].sort()).toEqual(desired.map((d) => `${String(d['kind'])}/${(d['metadata'] as { name: string }).name}`).sort());
  });

  it('says which Deployments are not available, then Ready once their pods are', async () => {
    const pipeline = { namespace, name: NAME };
    const waiting = await waitForCondition(pipeline, 'Ready', 'False', { message: /replicas available/ });
    expect(waiting.reason).toBe('PartsNotReady');
    // Each component that waits is named; none is reported available before its pods are.
    for (const part of ['GatewayReady', 'IngestReady']) expect(waiting.message).toContain(part);
    const gateway = getPipeline(namespace, NAME).status!.conditions!.find((c) => c.type === 'GatewayReady')!;
    expect(gateway).toMatchObject({ status: 'False', reason: 'Unavailable', message: '0/2 replicas available' });

    await waitFor('the pods of every Deployment', () => (markPodsReady(namespace) >= 6 ? true : undefined));
    expect((await waitForCondition(pipeline, 'Ready', 'True')).reason).toBe('AllPartsReady');
    for (const part of ['GatewayReady', 'IngestReady', 'DocprocReady', 'EmbeddingReady', 'TopicsReady']) {
      expect((await waitForCondition(pipeline, part, 'True')).status, part).toBe('True');
    }
    expect(getPipeline(namespace, NAME).status!.uploadUrl).toBe('https://docs.acme.example/ingest/upload');
  });

  it('shows Ready and the worker replicas in `kubectl get dp -o wide`', async () => {
    const status = await waitFor('ready replicas in the status', () => {
      const s = getPipeline(namespace, NAME).status;
      return s?.replicas?.['docproc'] === 1 && s.replicas['embedding'] === 1 ? s : undefined;
    });
    expect(status.replicas).toMatchObject({ docproc: 1, embedding: 1 });
    const [header, row] = kubectl(['get', 'dp', '-n', namespace, '-o', 'wide']).trim().split('\n');
    expect(header!.split(/\s+/)).toEqual(['NAME', 'READY', 'DOCPROC', 'EMBEDDING', 'AGE']);
    expect(row!.split(/\s+/).slice(0, 4)).toEqual([NAME, 'True', '1', '1']);
  });

  it("creates or grows the pipeline's topics to the spec's partitions", async () => {
    await waitForCondition({ namespace, name: NAME }, 'TopicsReady', 'True');
    const after = await topicPartitions();
    for (const topic of ALL_TOPICS) expect(after.get(topic), topic).toBe(Math.max(partitions, partitionsBefore.get(topic) ?? 0));
    const created = ALL_TOPICS.filter((t) => !partitionsBefore.has(t));
    if (created.length > 0) {
      const configs = await admin.describeConfigs({ resources: created.map((name) => ({ type: 2, name, configNames: ['retention.ms'] })), includeSynonyms: false });
      for (const r of configs.resources) expect(r.configEntries.find((e) => e.configName === 'retention.ms')?.configValue, r.resourceName).toBe('604800000');
    }
  });

  it('records a Created Event on the pipeline for what it created', () => {
    type Event = { reason: string; note: string; type: string; regarding: { name: string; kind: string } };
    const events = getJson<{ items: Event[] }>(['events.events.k8s.io', '-n', namespace]).items.filter((e) => e.regarding.kind === 'DocumentPipeline' && e.regarding.name === NAME);
    expect(events.find((e) => e.reason === 'Created' && e.note === 'created Deployment docpipe-gateway')?.type).toBe('Normal');
    expect(events.filter((e) => e.type === 'Warning')).toEqual([]);
  });
});
