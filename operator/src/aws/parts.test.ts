import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { PartContext } from '../controller/ports.js';
import { combine } from './analytics.js';
import { AwsCallError } from './errors.js';
import { awsPipeline } from './fixtures.js';
import { awsParts } from './index.js';
import type { ConnectorApi, EmrApi, EmrStep, ScriptStore, StepToAdd } from './ports.js';

const ctx: PartContext = { now: () => new Date('2026-11-28T10:00:00Z'), logger: pino({ level: 'silent' }), event: () => {} };
const denied = new AwsCallError({ operation: 'CreateConnector', code: 'AccessDeniedException', transient: false }, 'not authorized');

function ports(overrides: { connectors?: Partial<ConnectorApi>; emr?: Partial<EmrApi>; steps?: EmrStep[] } = {}) {
  const calls: string[] = [];
  const added: StepToAdd[] = [];
  const connectors: ConnectorApi = {
    find: async () => undefined,
    describe: async () => undefined,
    create: async () => ({ arn: 'arn:c', state: 'CREATING' }),
    update: async () => ({ state: 'UPDATING' }),
    delete: async () => {},
    ...overrides.connectors,
  };
  const emr: EmrApi = {
    listSteps: async (clusterId, states) => {
      calls.push(`listSteps ${clusterId}${states ? ` ${states.join(',')}` : ''}`);
      return (overrides.steps ?? []).filter((s) => !states || states.includes(s.state));
    },
    addStep: async (_clusterId, step) => {
      added.push(step);
      return `s-${added.length}`;
    },
    cancelSteps: async (clusterId, ids) => {
      calls.push(`cancelSteps ${clusterId} ${ids.join(',')}`);
    },
    ...overrides.emr,
  };
  const scripts: ScriptStore = { exists: async () => true, put: async () => {} };
  const [archive, analytics] = awsParts({ connectors, emr, scripts }, { scripts: { flink: import.meta.filename, spark: import.meta.filename } });
  return { archive: archive!, analytics: analytics!, calls, added };
}

describe('the AWS parts and the controller', () => {
  it('throw a permanent AWS failure (access denied) so the controller reports Degraded and retries', async () => {
    const { archive } = ports({ connectors: { create: async () => Promise.reject(denied) } });
    await expect(archive.reconcile(awsPipeline(), ctx)).rejects.toBe(denied);
  });

  it('still report a spec MSK Connect cannot serve as a condition (a spec change brings the next try)', async () => {
    const scram = awsPipeline((m) => (m['spec'].kafka = { bootstrapServers: ['b-1:9096'], tls: true, auth: { mechanism: 'scram-sha-512', secretRef: { name: 'k' } } }));
    const { archive } = ports();
    expect((await archive.reconcile(scram, ctx)).condition).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
  });

  it('finalize a pipeline without spec.analytics at once, without asking EMR about an unknown cluster', async () => {
    const { analytics, calls } = ports();
    const p = awsPipeline((m) => delete m['spec'].analytics);
    expect(await analytics.finalize(p, ctx)).toBe(true);
    expect(calls).toEqual([]);
  });

  it('report the batch schedule’s next run in status.steps.batch, before any day ran', async () => {
    const { analytics } = ports();
    const p = awsPipeline((m) => {
      m['metadata'].creationTimestamp = '2026-11-28T09:00:00Z';
      m['spec'].analytics.streaming = { enabled: false };
    });
    const outcome = await analytics.reconcile(p, ctx);
    expect(outcome.status?.steps?.batch).toEqual({ nextRun: '2026-11-29T02:00:00Z' });
  });

  it('combine keeps the last day, the step and the next run of the batch job', () => {
    const out = combine({ batch: { status: 'True', reason: 'Scheduled', message: 'ok', step: { id: 's-2', state: 'RUNNING' }, lastDay: '2026-11-28', nextRun: '2026-11-30T02:00:00Z' } }, 'j-1');
    expect(out.status?.steps).toEqual({ clusterId: 'j-1', batch: { id: 's-2', state: 'RUNNING', lastDay: '2026-11-28', nextRun: '2026-11-30T02:00:00Z' } });
    // With nothing to run the cluster is still reported: finalize needs it once spec.analytics is gone.
    expect(combine({}, 'j-1').status).toEqual({ steps: { clusterId: 'j-1' } });
  });

  it('list the cluster’s steps once per reconcile and hand the list to the streaming and the batch job', async () => {
    const p = awsPipeline((m) => (m['metadata'].creationTimestamp = '2026-11-27T12:00:00Z'));
    const first = ports();
    await first.analytics.reconcile(p, ctx);
    expect(first.calls).toEqual(['listSteps j-ABC123']);
    expect(first.added.map((s) => s.name)).toEqual([expect.stringMatching(/^docpipe\/team-a\/demo\/flink\//), 'docpipe/team-a/demo/spark/2026-11-27']);
    // Both jobs see the steps of that one list: the Flink step runs, the day is done; nothing is submitted again.
    const steps = first.added.map((s, i): EmrStep => ({ id: `s-${i + 1}`, name: s.name, args: s.args, state: i === 0 ? 'RUNNING' : 'COMPLETED' }));
    const second = ports({ steps });
    const outcome = await second.analytics.reconcile(p, ctx);
    expect(second.calls).toEqual(['listSteps j-ABC123']);
    expect(second.added).toEqual([]);
    expect(outcome.status?.steps).toMatchObject({ streaming: { id: 's-1', state: 'RUNNING' }, batch: { id: 's-2', state: 'COMPLETED', lastDay: '2026-11-27' } });
  });

  it('with streaming disabled, find its active step in the same list, and list again only to see the cancel', async () => {
    const p = awsPipeline((m) => (m['spec'].analytics.streaming = { enabled: false }));
    const idle = ports();
    await idle.analytics.reconcile(p, ctx);
    expect(idle.calls).toEqual(['listSteps j-ABC123']);
    const flink: EmrStep = { id: 's-9', name: 'docpipe/team-a/demo/flink/0123456789ab', args: [], state: 'RUNNING' };
    const stopping = ports({ steps: [flink] });
    const outcome = await stopping.analytics.reconcile(p, ctx);
    expect(stopping.calls).toEqual(['listSteps j-ABC123', 'cancelSteps j-ABC123 s-9', 'listSteps j-ABC123 PENDING,CANCEL_PENDING,RUNNING']);
    expect(outcome.condition).toMatchObject({ status: 'Unknown', reason: 'Stopping' });
  });

  it('after spec.analytics is removed, stop the steps on the cluster the status remembers', async () => {
    const flink: EmrStep = { id: 's-9', name: 'docpipe/team-a/demo/flink/0123456789ab', args: [], state: 'RUNNING' };
    const { analytics, calls } = ports({ steps: [flink] });
    const removed = awsPipeline((m) => delete m['spec'].analytics);
    const previous = { steps: { clusterId: 'j-OLD', streaming: { id: 's-9', state: 'RUNNING' } } };
    expect(await analytics.finalize(removed, { ...ctx, previous })).toBe(false);
    expect(calls).toEqual(['listSteps j-OLD PENDING,CANCEL_PENDING,RUNNING', 'cancelSteps j-OLD s-9', 'listSteps j-OLD PENDING,CANCEL_PENDING,RUNNING', 'listSteps j-OLD PENDING,CANCEL_PENDING,RUNNING']);
    // Once EMR reports it stopped, nothing is left.
    const after = ports({ steps: [{ ...flink, state: 'CANCELLED' }] });
    expect(await after.analytics.finalize(removed, { ...ctx, previous })).toBe(true);
  });

  it('when emrClusterId changes, stop the steps on the old cluster before submitting anything on the new one', async () => {
    const p = awsPipeline((m) => delete m['spec'].analytics.batch);
    const old: EmrStep = { id: 's-9', name: 'docpipe/team-a/demo/flink/0123456789ab', args: [], state: 'RUNNING' };
    const previous = { steps: { clusterId: 'j-OLD', streaming: { id: 's-9', state: 'RUNNING' } } };
    const moving = ports({ steps: [old] });
    const waiting = await moving.analytics.reconcile(p, { ...ctx, previous });
    expect(waiting.condition).toMatchObject({ status: 'Unknown', reason: 'Moving' });
    expect(waiting.status?.steps?.clusterId).toBe('j-OLD');
    expect(moving.calls).toContain('cancelSteps j-OLD s-9');
    expect(moving.added).toEqual([]);
    // The old step has stopped: the job starts on the new cluster, which the status now names.
    const moved = ports({ steps: [{ ...old, state: 'CANCELLED' }] });
    const running = await moved.analytics.reconcile(p, { ...ctx, previous });
    expect(moved.added.map((s) => s.name)).toEqual([expect.stringMatching(/^docpipe\/team-a\/demo\/flink\//)]);
    expect(running.status?.steps?.clusterId).toBe('j-ABC123');
  });
});
