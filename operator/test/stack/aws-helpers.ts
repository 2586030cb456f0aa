import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunJobFlowCommand, TerminateJobFlowsCommand } from '@aws-sdk/client-emr';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { DocumentPipelineStatus } from '@docpipe/operator-api';
import { createRegistry } from '@docpipe/runtime';
import { pino } from 'pino';
import { parse, stringify } from 'yaml';
import { startMskConnectStandin, type MskConnectStandin, type Timing } from '../../../tools/mskconnect-standin/src/index.js';
import { EmrStateOverlay } from '../../../test/stack/aws/emr-overlay.js';
import { KafkaTopicAdmin } from '../../src/adapters/kafka/topic-admin.js';
import { connectKube } from '../../src/adapters/kube/index.js';
import { awsParts, awsPorts, createAwsClients, type AwsClients, type EmrStep } from '../../src/aws/index.js';
import { createController, type Controller } from '../../src/controller/controller.js';
import type { KubeApi, KubeObject } from '../../src/controller/ports.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { createNamespace, deleteNamespace, EXAMPLE_PIPELINE, installCrd, kubectl, stackEnv, waitFor } from './helpers.js';

/**
 * The AWS side of the operator against the real API server: one namespace, one
 * MSK Connect stand-in, one moto EMR cluster and one bucket per test, and the
 * controller in-process on a FakeClock so a test moves time (schedules, polls,
 * backoffs) while everything else — the API server, moto, the stand-in — is real.
 */

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const JOBS = { flink: join(REPO, 'jobs', 'flink', 'job.py'), spark: join(REPO, 'jobs', 'spark', 'job.py') };
export const PIPELINE = 'docpipe';
export const FINALIZER = 'docpipe.dev/external-resources';
const PIPELINE_REF = { apiVersion: 'docpipe.dev/v1alpha1', kind: 'DocumentPipeline' } as const;

export function motoEndpoint(): string {
  const url = process.env['S3_ENDPOINT'];
  if (!url) throw new Error('S3_ENDPOINT unset: run with DOCPIPE_STACK_COMPONENTS including s3 (moto)');
  return url;
}

export interface AwsFixture {
  namespace: string;
  clock: FakeClock;
  standin: MskConnectStandin;
  clients: AwsClients;
  /** moto's EMR with the states moto cannot produce (a step FAILED, a cancel done): test/stack/aws/emr-overlay.ts. */
  emr: EmrStateOverlay;
  clusterId: string;
  bucket: string;
  /** The operator's connector name for the pipeline. */
  connectorName: string;
  /** Reads of the API server that do not block the event loop (the controller shares it). */
  kube: KubeApi;
  /** Starts a controller in-process (watches synced, workers running); stopped by close() unless stopped before. */
  startController(): Promise<Controller>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  /** The stand-in's transition delays (real ms); null: only standin.advance() completes one. Default: all null. */
  timing?: Partial<Timing>;
  /** Controller resync on the fake clock (default 1 h: nothing moves unless a test says so). */
  resyncMs?: number;
}

const silent = pino({ level: process.env['DOCPIPE_TEST_LOG'] ?? 'silent' });

async function newCluster(clients: AwsClients, name: string): Promise<string> {
  const out = await clients.emr.send(
    new RunJobFlowCommand({
      Name: name,
      ReleaseLabel: 'emr-7.10.0',
      Applications: [{ Name: 'Hadoop' }, { Name: 'Flink' }, { Name: 'Spark' }],
      Instances: { MasterInstanceType: 'm5.xlarge', SlaveInstanceType: 'm5.xlarge', InstanceCount: 2, KeepJobFlowAliveWhenNoSteps: true },
      JobFlowRole: 'EMR_EC2_DefaultRole',
      ServiceRole: 'EMR_DefaultRole_V2',
    }),
  );
  return out.JobFlowId!;
}

async function emptyBucket(clients: AwsClients, bucket: string): Promise<void> {
  const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const o of listed.Contents ?? []) await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key! }));
  await clients.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** A namespace, a stand-in, an EMR cluster and a bucket of its own; the CRD installed. */
export async function awsFixture(prefix: string, opts: FixtureOptions = {}): Promise<AwsFixture> {
  installCrd();
  const namespace = createNamespace(prefix);
  const clock = new FakeClock(Date.now());
  const standin = await startMskConnectStandin({ timing: { createMs: null, updateMs: null, deleteMs: null, ...opts.timing } });
  const moto = motoEndpoint();
  // One SDK attempt: the controller's own backoff is what is under test, not the SDK's.
  const clients = createAwsClients({ region: 'us-east-1', endpoints: { kafkaConnect: standin.url, emr: moto, s3: moto }, s3ForcePathStyle: true, maxAttempts: 1 });
  const bucket = `${namespace}-jobs`;
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const clusterId = await newCluster(clients, namespace);
  const ports = awsPorts(clients);
  const emr = new EmrStateOverlay(ports.emr, () => new Date(clock.now()));
  const { kube } = connectKube(silent, `reader-${namespace}`);
  const controllers: Controller[] = [];
  const startController = async () => {
    const { kube: api, watcher } = connectKube(silent, `op-${randomBytes(3).toString('hex')}`);
    const controller = createController({
      kube: api,
      watcher,
      topics: new KafkaTopicAdmin({ logger: silent }),
      // A new set of parts per controller: nothing carried over in memory, as after a restart.
      parts: awsParts({ ...ports, emr }, { scripts: JOBS }),
      logger: silent,
      registry: createRegistry('operator-test'),
      namespace,
      resyncMs: opts.resyncMs ?? 3_600_000,
      workers: 2,
      clock,
    });
    controllers.push(controller);
    controller.startWatches();
    await controller.waitSynced();
    controller.startWorkers();
    return controller;
  };
  const close = async () => {
    for (const c of controllers) await c.stop();
    await standin.stop();
    await emptyBucket(clients, bucket).catch(() => undefined);
    await clients.emr.send(new TerminateJobFlowsCommand({ JobFlowIds: [clusterId] })).catch(() => undefined);
    clients.destroy();
    deleteNamespace(namespace);
  };
  return { namespace, clock, standin, clients, emr, clusterId, bucket, connectorName: `docpipe-${namespace}-${PIPELINE}-archive`, kube, startController, close };
}

// Manifests are edited as loose JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Spec = Record<string, any>;

/**
 * deploy/examples/pipeline.yaml with its archive and analytics sections, made
 * runnable here: the stack's Kafka (plain text, so the connector authenticates
 * with NONE over PLAINTEXT), the fixture's cluster and bucket, no backfill.
 */
export function awsPipelineManifest(f: Pick<AwsFixture, 'namespace' | 'clusterId' | 'bucket'>, edit: (spec: Spec) => void = () => {}): string {
  const manifest = parse(readFileSync(EXAMPLE_PIPELINE, 'utf8')) as { metadata: Record<string, unknown>; spec: Spec };
  manifest.metadata = { name: PIPELINE, namespace: f.namespace };
  const spec = manifest.spec;
  spec['kafka'] = {
    bootstrapServers: stackEnv().kafkaBrokers.split(','),
    tls: false,
    auth: { mechanism: 'none' },
    topics: { partitions: 3, replicationFactor: 1, retentionMs: 604_800_000 },
  };
  spec['analytics'].emrClusterId = f.clusterId;
  spec['analytics'].scriptsBucket = f.bucket;
  spec['analytics'].batch.timeZone = 'UTC';
  delete spec['analytics'].batch.backfill;
  edit(spec);
  return stringify(manifest);
}

export interface PipelineView extends KubeObject {
  status?: DocumentPipelineStatus;
}

/** The pipeline as the API server has it (undefined once gone). */
export async function pipeline(f: AwsFixture): Promise<PipelineView | undefined> {
  return (await f.kube.get({ ...PIPELINE_REF, namespace: f.namespace, name: PIPELINE })) as PipelineView | undefined;
}

/** One condition of the pipeline's status. */
export function conditionOf(p: PipelineView | undefined, type: string) {
  return p?.status?.conditions?.find((c) => c.type === type);
}

/** True when the status describes the current generation. */
export function current(p: PipelineView | undefined): boolean {
  return p?.status?.observedGeneration !== undefined && p.status.observedGeneration === p.metadata.generation;
}

/**
 * Polls `probe` until it returns a value; between polls moves the fake clock
 * by `stepMs` (0: never), firing the controller's requeues, backoffs and
 * resyncs that are due. Returns the value and the fake time it took.
 */
export async function pump<T>(f: AwsFixture, what: string, probe: () => Promise<T | undefined>, stepMs: number): Promise<{ value: T; elapsedMs: number }> {
  const start = f.clock.now();
  let first = true;
  const value = await waitFor(
    what,
    async () => {
      if (!first && stepMs > 0) f.clock.advance(stepMs);
      first = false;
      return probe();
    },
    60_000,
    200,
  );
  return { value, elapsedMs: f.clock.now() - start };
}

/** Waits (moving the clock by `stepMs`) until the current generation's status satisfies `holds`. */
export async function pumpStatus(f: AwsFixture, what: string, holds: (p: PipelineView) => boolean, stepMs = 0): Promise<PipelineView> {
  return (
    await pump(
      f,
      what,
      async () => {
        const p = await pipeline(f);
        return p !== undefined && current(p) && holds(p) ? p : undefined;
      },
      stepMs,
    )
  ).value;
}

export interface EventView {
  type: string;
  reason: string;
  note: string;
}

/** The events.k8s.io Events of the namespace. */
export async function eventsOf(f: AwsFixture): Promise<EventView[]> {
  return (await f.kube.list('events.k8s.io/v1', 'Event', { namespace: f.namespace })).map((e) => ({
    type: String(e['type']),
    reason: String(e['reason']),
    note: String(e['note']),
  }));
}

/** Waits for an Event of this type and reason whose note matches. */
export async function waitForEvent(f: AwsFixture, type: string, reason: string, note: RegExp = /./): Promise<EventView> {
  return waitFor(`${type} Event ${reason} ${note}`, async () => (await eventsOf(f)).find((e) => e.type === type && e.reason === reason && note.test(e.note)));
}

/** The EMR steps of the pipeline's job (`flink` or `spark`), oldest first. */
export async function stepsOf(f: AwsFixture, job: 'flink' | 'spark'): Promise<EmrStep[]> {
  const prefix = `docpipe/${f.namespace}/${PIPELINE}/${job}/`;
  const ours = (await f.emr.listSteps(f.clusterId)).filter((s) => s.name.startsWith(prefix));
  return ours.sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
}

/** `kubectl apply` of a manifest. */
export function apply(manifest: string): void {
  kubectl(['apply', '-f', '-'], manifest);
}

/** A merge patch of the pipeline's spec. */
export function patchSpec(f: Pick<AwsFixture, 'namespace'>, spec: Spec): void {
  kubectl(['patch', 'documentpipeline', PIPELINE, '-n', f.namespace, '--type=merge', '-p', JSON.stringify({ spec })]);
}

/**
 * Applies the pipeline and drives the connector to RUNNING (advancing the
 * stand-in, then the clock to the operator's next poll).
 */
export async function createRunning(f: AwsFixture, manifest: string): Promise<PipelineView> {
  apply(manifest);
  await pumpStatus(f, 'connector CREATING', (p) => p.status?.connector?.state === 'CREATING');
  f.standin.advance(f.connectorName);
  return pumpStatus(f, 'connector RUNNING', (p) => conditionOf(p, 'ArchiveReady')?.status === 'True', 30_000);
}
