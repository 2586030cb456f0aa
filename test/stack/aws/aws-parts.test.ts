import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelStepsCommand, RunJobFlowCommand } from '@aws-sdk/client-emr';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMskConnectStandin, type MskConnectStandin } from '../../../tools/mskconnect-standin/src/index.js';
import type { PartContext, PartOutcome } from '../../../operator/src/controller/ports.js';
import { AwsCallError, awsParts, awsPorts, createAwsClients, type AwsClients, type AwsPorts } from '../../../operator/src/aws/index.js';
import { awsPipeline } from '../../../operator/src/aws/fixtures.js';
import { stackEnv } from '../env.js';
import { EmrStateOverlay } from './emr-overlay.js';

const run = Date.now().toString(36);
let standin: MskConnectStandin;
let clients: AwsClients;
let dir: string;
let now = new Date('2025-06-08T12:00:00Z');
const events: string[] = [];
const ctx: PartContext = { now: () => now, logger: pino({ level: 'silent' }), event: (type, reason, message) => void events.push(`${type} ${reason} ${message}`) };
const bucket = `docpipe-jobs-${run}`;

beforeAll(async () => {
  standin = await startMskConnectStandin({ timing: { createMs: null, updateMs: null, deleteMs: null } });
  const moto = stackEnv('S3_ENDPOINT');
  clients = createAwsClients({ region: 'us-east-1', endpoints: { kafkaConnect: standin.url, emr: moto, s3: moto }, s3ForcePathStyle: true, maxAttempts: 1 });
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  dir = await mkdtemp(join(tmpdir(), 'docpipe-aws-'));
  await writeFile(join(dir, 'flink.py'), 'print("flink")\n');
  await writeFile(join(dir, 'spark.py'), 'print("spark")\n');
});
afterAll(async () => {
  clients.destroy();
  await standin.stop();
  await rm(dir, { recursive: true, force: true });
});

async function newCluster(): Promise<string> {
  const out = await clients.emr.send(
    new RunJobFlowCommand({
      Name: `docpipe-${run}`,
      ReleaseLabel: 'emr-7.10.0',
      Applications: [{ Name: 'Flink' }, { Name: 'Spark' }, { Name: 'Hadoop' }],
      Instances: { MasterInstanceType: 'm5.xlarge', SlaveInstanceType: 'm5.xlarge', InstanceCount: 2, KeepJobFlowAliveWhenNoSteps: true },
      JobFlowRole: 'EMR_EC2_DefaultRole',
      ServiceRole: 'EMR_DefaultRole_V2',
    }),
  );
  return out.JobFlowId!;
}

function parts(ports: AwsPorts) {
  const [archive, analytics] = awsParts(ports, { scripts: { flink: join(dir, 'flink.py'), spark: join(dir, 'spark.py') } });
  return { archive: archive!, analytics: analytics! };
}

function overlayPorts(): { ports: AwsPorts; emr: EmrStateOverlay } {
  const base = awsPorts(clients);
  const emr = new EmrStateOverlay(base.emr, () => now);
  return { ports: { ...base, emr }, emr };
}

const cond = (o: PartOutcome) => `${o.condition.status} ${o.condition.reason}`;

describe('ArchiveReady against the MSK Connect stand-in', () => {
  const p = awsPipeline(() => {}, `arc-${run}`);
  let part: ReturnType<typeof parts>['archive'];
  beforeAll(() => {
    part = parts(awsPorts(clients)).archive;
  });
  const name = `docpipe-team-a-arc-${run}-archive`;

  it('creates the connector once and reports it RUNNING', async () => {
    expect(part.wants(p)).toBe(true);
    const first = await part.reconcile(p, ctx);
    expect(cond(first)).toBe('Unknown Creating');
    expect(first.status?.connector?.arn).toMatch(new RegExp(`connector/${name}/`));
    expect(cond(await part.reconcile(p, ctx))).toBe('Unknown Creating');
    expect(standin.msk.list(name)).toHaveLength(1);
    standin.advance(name);
    const ready = await part.reconcile(p, ctx);
    expect(ready.condition).toMatchObject({ status: 'True', reason: 'Running' });
    expect(ready.status?.connector).toMatchObject({ state: 'RUNNING' });
  });

  it('updates the flush size in place with the current version', async () => {
    const before = standin.msk.list(name)[0]!;
    const v1 = before.currentVersion;
    const changed = awsPipeline((m) => (m['spec'].archive.flushSize = 50), `arc-${run}`);
    expect(cond(await part.reconcile(changed, ctx))).toBe('Unknown Updating');
    standin.advance(name);
    expect(cond(await part.reconcile(changed, ctx))).toBe('True Running');
    const after = standin.msk.list(name)[0]!;
    expect(after.arn).toBe(before.arn);
    expect(after.input.connectorConfiguration['flush.size']).toBe('50');
    expect(after.currentVersion).not.toBe(v1);
  });

  it('reports FAILED as ConnectorFailed, then recreates it after the backoff', async () => {
    const changed = awsPipeline((m) => (m['spec'].archive.flushSize = 50), `arc-${run}`);
    const failedArn = standin.msk.list(name)[0]!.arn;
    standin.fail(name, 'HDFS namenode unreachable');
    // The stand-in stamps creation with the real clock: move the simulated one next to it.
    now = new Date();
    const degraded = await part.reconcile(changed, ctx);
    expect(degraded.condition).toMatchObject({ status: 'False', reason: 'ConnectorFailed' });
    expect(degraded.condition.message).toMatch(/HDFS namenode unreachable; recreating in \d+ s/);
    expect(degraded.status?.connector).toMatchObject({ state: 'FAILED', message: 'HDFS namenode unreachable' });
    expect(standin.msk.list(name)[0]!.state).toBe('FAILED');
    now = new Date(now.getTime() + 61_000);
    expect(cond(await part.reconcile(changed, ctx))).toBe('False ConnectorFailed');
    expect(standin.msk.list(name)[0]!.state).toBe('DELETING');
    standin.advance(name);
    expect(cond(await part.reconcile(changed, ctx))).toBe('Unknown Creating');
    const again = standin.msk.list(name);
    expect(again).toHaveLength(1);
    expect(again[0]!.arn).not.toBe(failedArn);
    expect(again[0]!.input.connectorDescription).toBe(`docpipe team-a/arc-${run} attempt 2`);
    standin.advance(name);
    expect(cond(await part.reconcile(changed, ctx))).toBe('True Running');
  });

  it('finalizes: deletes and resolves true only once DescribeConnector says NotFound', async () => {
    expect(await part.finalize(p, ctx)).toBe(false);
    expect(standin.msk.list(name)[0]!.state).toBe('DELETING');
    expect(await part.finalize(p, ctx)).toBe(false);
    standin.advance(name);
    expect(await part.finalize(p, ctx)).toBe(true);
    expect(standin.msk.list(name)).toHaveLength(0);
  });

  it('throws on throttling and on access denied (the controller retries both), never duplicating', async () => {
    const q = awsPipeline(() => {}, `thr-${run}`);
    const qname = `docpipe-team-a-thr-${run}-archive`;
    standin.injectFault({ operation: 'CreateConnector', type: 'TooManyRequestsException', count: 1 });
    const err = await part.reconcile(q, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCallError);
    expect(err).toMatchObject({ transient: true, code: 'TooManyRequestsException' });
    standin.injectFault({ operation: 'CreateConnector', type: 'AccessDeniedException', count: 1 });
    // Permanent or not, an AWS failure goes to the controller: Degraded, a Warning Event, retried with backoff.
    const denied = await part.reconcile(q, ctx).catch((e: unknown) => e);
    expect(denied).toMatchObject({ transient: false, code: 'AccessDeniedException', message: expect.stringMatching(/not authorized to perform: kafkaconnect:CreateConnector/) });
    expect(standin.msk.list(qname)).toHaveLength(0);
    expect(cond(await part.reconcile(q, ctx))).toBe('Unknown Creating');
    expect(cond(await part.reconcile(q, ctx))).toBe('Unknown Creating');
    expect(standin.msk.list(qname)).toHaveLength(1);
  });

  it('calls an unreachable endpoint a transient failure', async () => {
    const offline = createAwsClients({ region: 'us-east-1', endpoints: { kafkaConnect: 'http://127.0.0.1:1' }, maxAttempts: 1 });
    await expect(parts(awsPorts(offline)).archive.reconcile(p, ctx)).rejects.toMatchObject({ transient: true });
    offline.destroy();
  });
});

describe('AnalyticsReady against moto (EMR, S3)', () => {
  it('uploads each script once and keeps one streaming step, resubmitting it when it failed', async () => {
    const cluster = await newCluster();
    const { ports, emr } = overlayPorts();
    const { analytics } = parts(ports);
    const p = awsPipeline((m) => {
      m['spec'].analytics.emrClusterId = cluster;
      m['spec'].analytics.scriptsBucket = bucket;
      delete m['spec'].analytics.batch;
    }, `str-${run}`);
    now = new Date('2025-06-08T12:00:00Z');
    const first = await analytics.reconcile(p, ctx);
    const steps1 = await emr.listSteps(cluster);
    expect(steps1).toHaveLength(1);
    expect(steps1[0]!.name).toMatch(new RegExp(`^docpipe/team-a/str-${run}/flink/[0-9a-f]{12}$`));
    expect(steps1[0]!.args.slice(0, 2)).toEqual(['bash', '-c']);
    expect(first.status?.steps?.streaming?.id).toBe(steps1[0]!.id);
    expect(cond(await analytics.reconcile(p, ctx))).toBe('True Running');
    expect(await emr.listSteps(cluster)).toHaveLength(1);
    const objects = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'docpipe/analytics/flink-' }));
    expect(objects.KeyCount).toBe(1);

    emr.set(steps1[0]!.id, 'FAILED', 'Flink job failed: TaskManager lost');
    const degraded = await analytics.reconcile(p, ctx);
    expect(degraded.condition).toMatchObject({ status: 'False', reason: 'StreamingStepEnded' });
    expect(degraded.condition.message).toMatch(/TaskManager lost; resubmitting in 30 s/);
    expect(await emr.listSteps(cluster)).toHaveLength(1);
    now = new Date(now.getTime() + 31_000);
    await analytics.reconcile(p, ctx);
    const steps2 = await emr.listSteps(cluster);
    expect(steps2).toHaveLength(2);
    expect(new Set(steps2.map((s) => s.name)).size).toBe(1);
    expect(cond(await analytics.reconcile(p, ctx))).toMatch(/^(True Running|Unknown Pending)$/);
    expect(await emr.listSteps(cluster)).toHaveLength(2);

    // Changed arguments: the old step is cancelled first, then its successor submitted.
    const q = awsPipeline((m) => {
      m['spec'].analytics.emrClusterId = cluster;
      m['spec'].analytics.scriptsBucket = bucket;
      m['spec'].analytics.streaming = { parallelism: 4 };
      delete m['spec'].analytics.batch;
    }, `str-${run}`);
    expect(cond(await analytics.reconcile(q, ctx))).toBe('Unknown Replacing');
    expect(emr.cancelled).toContain(steps2.find((s) => s.state !== 'FAILED')!.id);
    await analytics.reconcile(q, ctx);
    const steps3 = await emr.listSteps(cluster);
    expect(steps3).toHaveLength(3);
    expect(steps3.filter((s) => ['PENDING', 'RUNNING'].includes(s.state))).toHaveLength(1);

    // Delete: the finalizer cancels it and resolves once none is active.
    expect(await analytics.finalize(p, ctx)).toBe(true);
    expect((await emr.listSteps(cluster, ['PENDING', 'RUNNING', 'CANCEL_PENDING'])).filter((s) => s.name.includes(`str-${run}`))).toHaveLength(0);
  });

  it('submits exactly one batch step per day as the clock crosses two schedule times, across a restart', async () => {
    const cluster = await newCluster();
    const base = awsPorts(clients);
    const p = awsPipeline((m) => {
      m['metadata'].creationTimestamp = '2025-06-08T12:00:00Z';
      m['spec'].analytics.emrClusterId = cluster;
      m['spec'].analytics.scriptsBucket = bucket;
      m['spec'].analytics.streaming = { enabled: false };
    }, `bat-${run}`);
    const batchSteps = async () => (await base.emr.listSteps(cluster)).filter((s) => s.name.includes('/spark/')).map((s) => s.name).sort();
    now = new Date('2025-06-08T12:00:00Z');
    const idle = await parts(base).analytics.reconcile(p, ctx);
    expect(await batchSteps()).toEqual([]);
    expect(idle.requeueAfterMs).toBe(14 * 3_600_000);
    now = new Date('2025-06-09T02:00:30Z');
    const first = await parts(base).analytics.reconcile(p, ctx);
    expect(first.status?.steps?.batch).toMatchObject({ lastDay: '2025-06-08' });
    // A second replica, or the operator after a restart, with nothing in memory.
    await parts(base).analytics.reconcile(p, ctx);
    now = new Date('2025-06-09T09:00:00Z');
    await parts(base).analytics.reconcile(p, ctx);
    expect(await batchSteps()).toEqual([`docpipe/team-a/bat-${run}/spark/2025-06-08`]);
    now = new Date('2025-06-10T02:00:05Z');
    const restarted = parts(base).analytics;
    const second = await restarted.reconcile(p, ctx);
    await restarted.reconcile(p, ctx);
    expect(await batchSteps()).toEqual([`docpipe/team-a/bat-${run}/spark/2025-06-08`, `docpipe/team-a/bat-${run}/spark/2025-06-09`]);
    expect(second.status?.steps?.batch).toMatchObject({ lastDay: '2025-06-09' });
    expect(second.condition.message).toMatch(/next run 2025-06-11T02:00:00.000Z/);
    const step = (await base.emr.listSteps(cluster)).find((s) => s.name.endsWith('2025-06-09'))!;
    expect(step.args).toEqual([
      'spark-submit', '--deploy-mode', 'cluster', expect.stringMatching(new RegExp(`^s3://${bucket}/docpipe/analytics/spark-[0-9a-f]{12}\\.py$`)),
      '--archive', 'hdfs://ip-10-0-0-10.ec2.internal:8020/topics', '--output', 's3://team-a-reports/daily', '--date', '2025-06-09',
    ]);
  });

  it('moto has no CancelSteps: the cancel path is driven through the overlay (see emr-overlay.ts)', async () => {
    const cluster = await newCluster();
    const err = await clients.emr.send(new CancelStepsCommand({ ClusterId: cluster, StepIds: ['s-X'] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
  });
});
