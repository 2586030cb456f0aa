import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/controller.js';
import {
  apply,
  awsFixture,
  awsPipelineManifest,
  conditionOf,
  createRunning,
  current,
  FINALIZER,
  pipeline,
  pump,
  pumpStatus,
  stepsOf,
  waitForEvent,
  type AwsFixture,
  type PipelineView,
} from './aws-helpers.js';
import { kubectl, waitFor } from './helpers.js';

// The EMR side through the API server: the controller in-process on a FakeClock,
// moto's EMR (with the overlay for the step states moto never reaches) and S3.

let f: AwsFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const DAY_MS = 86_400_000;

/** The first 02:00 UTC (the example's schedule, in UTC here) after `ms`. */
function nextTwoAm(ms: number): number {
  const d = new Date(ms);
  d.setUTCHours(2, 0, 0, 0);
  return d.getTime() > ms ? d.getTime() : d.getTime() + DAY_MS;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const kubeTime = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** A reconcile of the pipeline now, without moving time: a metadata change the watch delivers. */
function poke(fx: AwsFixture): void {
  kubectl(['annotate', '--overwrite', 'documentpipeline', 'docpipe', '-n', fx.namespace, `test.docpipe.dev/poke=${Date.now()}`]);
}

async function reconciles(c: Controller): Promise<number> {
  return (await c.metrics.reconciles.get()).values.reduce((sum, v) => sum + v.value, 0);
}

describe('the streaming step', () => {
  it('is resubmitted after its backoff when it failed, and AnalyticsReady says so meanwhile', async () => {
    f = await awsFixture('aws-stream');
    await f.startController();
    await createRunning(f, awsPipelineManifest(f, (spec) => delete spec['analytics'].batch));
    const [first, ...others] = await stepsOf(f, 'flink');
    expect(others).toEqual([]);
    await pumpStatus(f, 'AnalyticsReady True', (p) => conditionOf(p, 'AnalyticsReady')?.status === 'True');

    f.emr.set(first!.id, 'FAILED', 'Flink job failed: TaskManager lost');
    poke(f);
    const failed = await pumpStatus(f, 'AnalyticsReady False', (p) => conditionOf(p, 'AnalyticsReady')?.status === 'False');
    expect(conditionOf(failed, 'AnalyticsReady')).toMatchObject({
      reason: 'StreamingStepEnded',
      message: expect.stringMatching(/TaskManager lost; resubmitting in 30 s/),
    });
    expect(failed.status?.steps?.streaming).toEqual({ id: first!.id, state: 'FAILED' });
    expect(conditionOf(failed, 'Ready')).toMatchObject({ status: 'False' });

    // The fake clock moves 5 s at a time: the new step appears once 30 s have passed, not before.
    const { value: resubmitted, elapsedMs } = await pump(
      f,
      'a second streaming step',
      async () => {
        const steps = await stepsOf(f!, 'flink');
        return steps.length > 1 ? steps : undefined;
      },
      5_000,
    );
    expect(elapsedMs).toBeGreaterThanOrEqual(30_000);
    expect(resubmitted).toHaveLength(2);
    const second = resubmitted.find((s) => s.id !== first!.id)!;
    expect(second.name).toBe(first!.name);
    await waitForEvent(f, 'Warning', 'StreamingStepEnded', /TaskManager lost; resubmitting/);

    // moto leaves it PENDING; EMR would start it.
    const pending = await pumpStatus(f, 'the new step in the status', (p) => p.status?.steps?.streaming?.id === second.id);
    expect(conditionOf(pending, 'AnalyticsReady')).toMatchObject({ status: 'Unknown' });
    f.emr.set(second.id, 'RUNNING');
    const running = await pumpStatus(f, 'AnalyticsReady True again', (p) => conditionOf(p, 'AnalyticsReady')?.status === 'True', 60_000);
    expect(running.status?.steps?.streaming).toEqual({ id: second.id, state: 'RUNNING' });
    expect(await stepsOf(f, 'flink')).toHaveLength(2);
  });
});

describe('spec.analytics removed', () => {
  it('cancels the running streaming step on the cluster the status remembers, then drops AnalyticsReady and status.steps', async () => {
    f = await awsFixture('aws-unanalytics');
    await f.startController();
    await createRunning(f, awsPipelineManifest(f, (spec) => delete spec['analytics'].batch));
    const [streaming] = await stepsOf(f, 'flink');
    f.emr.set(streaming!.id, 'RUNNING');
    const running = await pumpStatus(f, 'AnalyticsReady True', (p) => conditionOf(p, 'AnalyticsReady')?.status === 'True');
    expect(running.status?.steps).toMatchObject({ clusterId: f.clusterId, streaming: { id: streaming!.id, state: 'RUNNING' } });

    // EMR takes a while to stop a step: CANCEL_PENDING until the test lets it go.
    f.emr.cancelState = 'CANCEL_PENDING';
    apply(awsPipelineManifest(f, (spec) => delete spec['analytics']));
    const removing = await pumpStatus(f, 'AnalyticsReady Removing', (p) => conditionOf(p, 'AnalyticsReady')?.reason === 'Removing');
    expect(removing.status?.steps?.clusterId).toBe(f.clusterId);
    expect(f.emr.cancelled).toEqual([streaming!.id]);

    f.emr.set(streaming!.id, 'CANCELLED');
    const gone = await pumpStatus(f, 'AnalyticsReady gone', (p) => current(p) && conditionOf(p, 'AnalyticsReady') === undefined, 5_000);
    expect(gone.status?.steps).toBeUndefined();
    expect((await stepsOf(f, 'flink')).map((s) => s.state)).toEqual(['CANCELLED']);
    // The archive part is still wanted: the finalizer stays for it.
    expect(gone.metadata.finalizers).toContain(FINALIZER);
  });
});

describe('the daily batch step', () => {
  const batchOnly = (fx: AwsFixture) => awsPipelineManifest(fx, (spec) => (spec['analytics'].streaming = { enabled: false }));

  /** Moves the fake clock 30 s past the next fire and waits until the status names that day. */
  async function crossFire(fx: AwsFixture): Promise<{ covered: string; status: PipelineView }> {
    const fire = nextTwoAm(fx.clock.now());
    fx.clock.advance(fire + 30_000 - fx.clock.now());
    const covered = day(fire - DAY_MS);
    const status = await pumpStatus(fx, `the batch step for ${covered}`, (p) => p.status?.steps?.batch?.lastDay === covered);
    return { covered, status };
  }

  async function expectBatchSteps(fx: AwsFixture, days: string[], status: PipelineView): Promise<void> {
    const steps = await stepsOf(fx, 'spark');
    expect(steps.map((s) => s.name).sort()).toEqual(days.map((d) => `docpipe/${fx.namespace}/docpipe/spark/${d}`));
    const last = steps.find((s) => s.name.endsWith(days.at(-1)!))!;
    expect(last.args).toEqual([
      'spark-submit',
      '--deploy-mode',
      'cluster',
      expect.stringMatching(new RegExp(`^s3://${fx.bucket}/docpipe/analytics/spark-[0-9a-f]{12}\\.py$`)),
      '--archive',
      'hdfs://ip-10-0-1-23.eu-west-1.compute.internal:8020/topics',
      '--output',
      's3://acme-docpipe-analytics/daily/',
      '--date',
      days.at(-1)!,
    ]);
    // The submitting reconcile reports PENDING; the next poll (60 s) what EMR says.
    const want = () => ({ id: last.id, state: last.state, lastDay: days.at(-1), nextRun: kubeTime(nextTwoAm(fx.clock.now())) });
    const seen = await pumpStatus(fx, 'the batch status as EMR has it', (p) => isDeepStrictEqual(p.status?.steps?.batch, want()), 60_000).catch(() => status);
    expect(seen.status?.steps?.batch).toEqual(want());
  }

  /** Runs `action`, then waits until controller `c` reconciled once more. */
  async function reconciledAfter(c: Controller, action: () => void): Promise<void> {
    const n = await reconciles(c);
    action();
    await waitFor('another reconcile', async () => ((await reconciles(c)) > n ? true : undefined));
  }

  it('submits exactly one step per day as the clock crosses two schedule times', async () => {
    f = await awsFixture('aws-batch');
    const controller = await f.startController();
    await createRunning(f, batchOnly(f));
    const idle = await pumpStatus(f, 'AnalyticsReady Scheduled', (p) => conditionOf(p, 'AnalyticsReady')?.reason === 'Scheduled');
    expect(idle.status?.steps?.batch).toEqual({ nextRun: kubeTime(nextTwoAm(f.clock.now())) });
    expect(await stepsOf(f, 'spark')).toEqual([]);

    const one = await crossFire(f);
    await expectBatchSteps(f, [one.covered], one.status);
    await waitForEvent(f, 'Normal', 'BatchStepSubmitted', new RegExp(`for ${one.covered}`));
    // More reconciles on the same day (an Event, a resync) submit nothing more.
    await reconciledAfter(controller, () => poke(f!));
    await reconciledAfter(controller, () => f!.clock.advance(3_600_000));
    expect(await stepsOf(f, 'spark')).toHaveLength(1);
    const [first] = await stepsOf(f, 'spark');
    f.emr.set(first!.id, 'COMPLETED');

    const two = await crossFire(f);
    expect(two.covered).not.toBe(one.covered);
    await expectBatchSteps(f, [one.covered, two.covered], two.status);
  });

  it('submits exactly one step per day across an operator restart between two schedule times', async () => {
    f = await awsFixture('aws-restart');
    const before = await f.startController();
    await createRunning(f, batchOnly(f));
    const one = await crossFire(f);
    await expectBatchSteps(f, [one.covered], one.status);

    // A new controller with new parts: EMR's step list is the only memory.
    await before.stop();
    const after = await f.startController();
    await waitFor('the new controller reconciled', async () => ((await reconciles(after)) > 0 ? true : undefined));
    await reconciledAfter(after, () => poke(f!));
    expect((await stepsOf(f, 'spark')).map((s) => s.name)).toEqual([`docpipe/${f.namespace}/docpipe/spark/${one.covered}`]);

    const two = await crossFire(f);
    await expectBatchSteps(f, [one.covered, two.covered], two.status);
    expect((await pipeline(f))?.status?.steps?.batch?.lastDay).toBe(two.covered);
  });
});
