import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { PartContext } from '../controller/ports.js';
import { combine } from './analytics.js';
import { AwsCallError } from './errors.js';
import { awsPipeline } from './fixtures.js';
import { awsParts } from './index.js';
import type { ConnectorApi, EmrApi, ScriptStore } from './ports.js';

const ctx: PartContext = { now: () => new Date('2026-11-28T10:00:00Z'), logger: pino({ level: 'silent' }), event: () => {} };
const denied = new AwsCallError({ operation: 'CreateConnector', code: 'AccessDeniedException', transient: false }, 'not authorized');

function ports(overrides: { connectors?: Partial<ConnectorApi>; emr?: Partial<EmrApi> } = {}) {
  const calls: string[] = [];
  const connectors: ConnectorApi = {
    find: async () => undefined,
    describe: async () => undefined,
    create: async () => ({ arn: 'arn:c', state: 'CREATING' }),
    update: async () => ({ state: 'UPDATING' }),
    delete: async () => {},
    ...overrides.connectors,
  };
  const emr: EmrApi = {
    listSteps: async (clusterId) => {
      calls.push(`listSteps ${clusterId}`);
      return [];
    },
    addStep: async () => 's-1',
    cancelSteps: async () => {},
    ...overrides.emr,
  };
  const scripts: ScriptStore = { exists: async () => true, put: async () => {} };
  const [archive, analytics] = awsParts({ connectors, emr, scripts }, { scripts: { flink: import.meta.filename, spark: import.meta.filename } });
  return { archive: archive!, analytics: analytics!, calls };
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
    const out = combine({ batch: { status: 'True', reason: 'Scheduled', message: 'ok', step: { id: 's-2', state: 'RUNNING' }, lastDay: '2026-11-28', nextRun: '2026-11-30T02:00:00Z' } });
    expect(out.status?.steps?.batch).toEqual({ id: 's-2', state: 'RUNNING', lastDay: '2026-11-28', nextRun: '2026-11-30T02:00:00Z' });
  });
});
