import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  apply,
  awsFixture,
  awsPipelineManifest,
  conditionOf,
  createRunning,
  eventsOf,
  FINALIZER,
  pipeline,
  pump,
  pumpStatus,
  patchSpec,
  PIPELINE,
  stepsOf,
  waitForEvent,
  type AwsFixture,
} from './aws-helpers.js';
import { waitFor } from './helpers.js';

// A DocumentPipeline with archive and analytics sections, applied to the real API
// server and reconciled by the controller in-process on a FakeClock, against the
// MSK Connect stand-in and moto's EMR and S3 (DOCPIPE_STACK_COMPONENTS='kafka s3 kube').

let f: AwsFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const OWNED = [
  ['apps/v1', 'Deployment'],
  ['v1', 'Service'],
  ['v1', 'ConfigMap'],
  ['v1', 'ServiceAccount'],
] as const;

async function children(fx: AwsFixture): Promise<number> {
  const lists = await Promise.all(OWNED.map(([v, k]) => fx.kube.list(v, k, { namespace: fx.namespace, labelSelector: `app.kubernetes.io/instance=${PIPELINE}` })));
  return lists.flat().length;
}

describe('the archive connector and the analytics steps through the API server', () => {
  it('creates the connector, which reaches RUNNING, submits the streaming step, and holds the finalizer', async () => {
    f = await awsFixture('aws-create');
    await f.startController();
    apply(awsPipelineManifest(f));

    const creating = await pumpStatus(f, 'connector CREATING', (p) => p.status?.connector?.state === 'CREATING');
    expect(creating.metadata.finalizers).toContain(FINALIZER);
    expect(conditionOf(creating, 'ArchiveReady')).toMatchObject({ status: 'Unknown', reason: 'Creating' });
    const [connector, ...more] = f.standin.msk.list(f.connectorName);
    expect(more).toEqual([]);
    expect(creating.status?.connector?.arn).toBe(connector!.arn);
    expect(connector!.input.connectorConfiguration).toMatchObject({
      'connector.class': 'io.confluent.connect.hdfs3.Hdfs3SinkConnector',
      'store.url': 'hdfs://ip-10-0-1-23.eu-west-1.compute.internal:8020',
      topics: 'documents.raw,chunks.processed,embeddings.ready',
      'flush.size': '1000',
    });
    expect(connector!.input.connectorDescription).toBe(`docpipe ${f.namespace}/${PIPELINE} attempt 1`);

    f.standin.advance(f.connectorName);
    const running = await pumpStatus(f, 'ArchiveReady True', (p) => conditionOf(p, 'ArchiveReady')?.status === 'True' && conditionOf(p, 'AnalyticsReady')?.status === 'True', 30_000);
    expect(running.status?.connector).toEqual({ arn: connector!.arn, state: 'RUNNING' });
    expect(conditionOf(running, 'ArchiveReady')).toMatchObject({ reason: 'Running' });
    expect(conditionOf(running, 'Degraded')).toMatchObject({ status: 'False' });

    // One streaming step, the one in the status; RUNNING (moto runs a cluster's first step).
    const streaming = await stepsOf(f, 'flink');
    expect(streaming).toHaveLength(1);
    expect(streaming[0]!.args.slice(0, 2)).toEqual(['bash', '-c']);
    expect(running.status?.steps?.streaming).toEqual({ id: streaming[0]!.id, state: 'RUNNING' });
    // The batch job has not run: its next run is the next 02:00 UTC (the example's schedule).
    const next = new Date(f.clock.now());
    next.setUTCHours(2, 0, 0, 0);
    if (next.getTime() <= f.clock.now()) next.setUTCDate(next.getUTCDate() + 1);
    expect(running.status?.steps?.batch).toEqual({ nextRun: next.toISOString().replace('.000Z', 'Z') });
    expect(await stepsOf(f, 'spark')).toEqual([]);

    // Both scripts on S3 under their content hash.
    const keys = (await f.clients.s3.send(new ListObjectsV2Command({ Bucket: f.bucket }))).Contents?.map((o) => o.Key).sort();
    expect(keys).toEqual([expect.stringMatching(/^docpipe\/analytics\/flink-[0-9a-f]{12}\.py$/), expect.stringMatching(/^docpipe\/analytics\/spark-[0-9a-f]{12}\.py$/)]);
    await waitForEvent(f, 'Normal', 'ConnectorCreating', new RegExp(f.connectorName));
    await waitForEvent(f, 'Normal', 'StreamingStepSubmitted', new RegExp(streaming[0]!.id));
  });

  it('updates the connector in place when spec.archive.flushSize changes', async () => {
    f = await awsFixture('aws-flush');
    await f.startController();
    await createRunning(f, awsPipelineManifest(f));
    const before = f.standin.msk.list(f.connectorName)[0]!;
    const version = before.currentVersion;

    patchSpec(f, { archive: { flushSize: 50 } });
    const updating = await pumpStatus(f, 'connector UPDATING', (p) => p.status?.connector?.state === 'UPDATING');
    expect(conditionOf(updating, 'ArchiveReady')).toMatchObject({ status: 'Unknown', reason: 'Updating' });
    f.standin.advance(f.connectorName);
    const running = await pumpStatus(f, 'connector RUNNING again', (p) => p.status?.connector?.state === 'RUNNING', 30_000);
    expect(conditionOf(running, 'ArchiveReady')).toMatchObject({ status: 'True', reason: 'Running' });

    const after = f.standin.msk.list(f.connectorName);
    expect(after).toHaveLength(1);
    expect(after[0]!.arn).toBe(before.arn);
    expect(after[0]!.currentVersion).not.toBe(version);
    expect(after[0]!.input.connectorConfiguration['flush.size']).toBe('50');
    expect(f.standin.msk.calls).toMatchObject({ CreateConnector: 1, UpdateConnector: 1, DeleteConnector: 0 });
    await waitForEvent(f, 'Normal', 'ConnectorUpdating', /configuration/);
  });

  it('on delete: deletes the connector, cancels the streaming step, drops the finalizer; the children are collected', async () => {
    f = await awsFixture('aws-delete');
    await f.startController();
    await createRunning(f, awsPipelineManifest(f));
    const [streaming] = await stepsOf(f, 'flink');
    expect(await children(f)).toBeGreaterThan(0);

    await f.kube.delete({ apiVersion: 'docpipe.dev/v1alpha1', kind: 'DocumentPipeline', namespace: f.namespace, name: PIPELINE });
    await waitFor('the connector DELETING and the streaming step cancelled', () =>
      f!.standin.msk.list(f!.connectorName)[0]?.state === 'DELETING' && f!.emr.cancelled.length > 0 ? true : undefined,
    );
    expect(f.emr.cancelled).toEqual([streaming!.id]);
    // Held while MSK Connect still has the connector.
    const held = await pipeline(f);
    expect(held?.metadata.deletionTimestamp).toBeDefined();
    expect(held?.metadata.finalizers).toContain(FINALIZER);

    f.standin.advance(f.connectorName);
    await pump(f, 'the pipeline gone', async () => ((await pipeline(f!)) === undefined ? true : undefined), 5_000);
    expect(f.standin.msk.list(f.connectorName)).toEqual([]);
    expect((await stepsOf(f, 'flink')).map((s) => s.state)).toEqual(['CANCELLED']);
    // The controller-manager's garbage collector removes the children by their owner reference.
    await waitFor('the children collected', async () => ((await children(f!)) === 0 ? true : undefined));
  });

  it('retries a throttled CreateConnector with backoff and never makes a second connector', async () => {
    f = await awsFixture('aws-throttle');
    await f.startController();
    f.standin.injectFault({ operation: 'CreateConnector', type: 'TooManyRequestsException', count: 3 });
    apply(awsPipelineManifest(f, (spec) => delete spec['analytics']));

    // Watch events may reconcile again at once, so the Degraded status can be short-lived; the Event stays.
    await waitForEvent(f, 'Warning', 'ReconcileFailed', /ArchiveReady: CreateConnector: TooManyRequestsException: Rate exceeded/);

    // The queue's backoff runs on the fake clock: move it until the create went through.
    await pumpStatus(f, 'connector CREATING', (p) => p.status?.connector?.state === 'CREATING' && conditionOf(p, 'Degraded')?.status === 'False', 1_000);
    expect(f.standin.msk.calls.CreateConnector).toBe(4);
    expect(f.standin.msk.list(f.connectorName)).toHaveLength(1);
    f.standin.advance(f.connectorName);
    await pumpStatus(f, 'connector RUNNING', (p) => conditionOf(p, 'ArchiveReady')?.status === 'True', 30_000);
    expect(f.standin.msk.calls.CreateConnector).toBe(4);
    expect(f.standin.msk.list(f.connectorName)).toHaveLength(1);
  });

  it('reports access denied as Degraded with the message and a Warning Event, and recovers once allowed', async () => {
    f = await awsFixture('aws-denied');
    await f.startController();
    f.standin.injectFault({ operation: 'CreateConnector', type: 'AccessDeniedException', count: 1_000_000 });
    apply(awsPipelineManifest(f, (spec) => delete spec['analytics']));

    const denied = /AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role\/docpipe-operator\/standin is not authorized to perform: kafkaconnect:CreateConnector/;
    const degraded = await pumpStatus(f, 'Degraded by access denied', (p) => conditionOf(p, 'Degraded')?.status === 'True');
    expect(conditionOf(degraded, 'Degraded')).toMatchObject({ reason: 'ArchiveFailed', message: expect.stringMatching(denied) });
    expect(conditionOf(degraded, 'ArchiveReady')).toMatchObject({ status: 'False', message: expect.stringMatching(denied) });
    expect(conditionOf(degraded, 'Ready')).toMatchObject({ status: 'False' });
    await waitForEvent(f, 'Warning', 'ReconcileFailed', denied);
    expect(f.standin.msk.list(f.connectorName)).toEqual([]);

    // Still denied after a few retries: nothing made, still Degraded.
    await pump(f, 'three more denied calls', async () => (f!.standin.msk.calls.CreateConnector >= 4 ? true : undefined), 1_000);
    expect(f.standin.msk.list(f.connectorName)).toEqual([]);

    f.standin.msk.clearFaults();
    const denials = f.standin.msk.calls.CreateConnector;
    // The queue's backoff is at most 5 min: the next retry finds the role fixed.
    await pumpStatus(f, 'connector CREATING', (p) => p.status?.connector?.state === 'CREATING' && conditionOf(p, 'Degraded')?.status === 'False', 10_000);
    f.standin.advance(f.connectorName);
    const running = await pumpStatus(f, 'connector RUNNING', (p) => conditionOf(p, 'ArchiveReady')?.status === 'True', 30_000);
    expect(conditionOf(running, 'Degraded')).toMatchObject({ status: 'False', reason: 'AsExpected' });
    expect(f.standin.msk.list(f.connectorName)).toHaveLength(1);
    expect(f.standin.msk.calls.CreateConnector).toBeLessThanOrEqual(denials + 1);
    expect((await eventsOf(f)).filter((e) => e.reason === 'ConnectorCreating')).toHaveLength(1);
  });
});
