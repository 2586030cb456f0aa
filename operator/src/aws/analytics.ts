import type { DocumentPipeline, DocumentPipelineStatus } from '@docpipe/operator-api';
import type { ExternalPart, PartContext, PartOutcome } from '../controller/ports.js';
import type { BatchJob, BatchOutcome } from './batch.js';
import type { EmrApi } from './ports.js';
import { ScheduleError } from './schedule.js';
import type { ScriptUploader } from './scripts.js';
import { StepSpecError } from './steps.js';
import type { StreamingJob } from './streaming.js';

type Steps = NonNullable<DocumentPipelineStatus['steps']>;

/** AnalyticsReady: the job scripts on S3, the Flink step kept running, the daily Spark steps. */
export class AnalyticsPart implements ExternalPart {
  readonly conditionType = 'AnalyticsReady' as const;

  constructor(
    private readonly scripts: ScriptUploader,
    private readonly emr: EmrApi,
    private readonly streaming: StreamingJob,
    private readonly batch: BatchJob,
  ) {}

  wants(p: DocumentPipeline): boolean {
    return p.spec.analytics !== undefined;
  }

  async reconcile(p: DocumentPipeline, ctx: PartContext): Promise<PartOutcome> {
    try {
      return combine(await this.jobs(p, ctx));
    } catch (err) {
      if (err instanceof StepSpecError || err instanceof ScheduleError) return { condition: { status: 'False', reason: 'InvalidSpec', message: err.message }, degraded: true };
      // AWS failures (access denied too) go to the controller: Degraded, a Warning Event, retried with backoff.
      throw err;
    }
  }

  async finalize(p: DocumentPipeline): Promise<boolean> {
    // The controller finalizes every part, wanted or not; without spec.analytics there is no cluster to look at.
    // (Removing the section while a step runs leaves it running: disable streaming first, then remove it.)
    if (!p.spec.analytics) return true;
    const [streamingGone, batchGone] = [await this.streaming.stop(p), await this.batch.stop(p)];
    return streamingGone && batchGone;
  }

  private async jobs(p: DocumentPipeline, ctx: PartContext): Promise<Record<string, BatchOutcome>> {
    const a = p.spec.analytics!;
    const out: Record<string, BatchOutcome> = {};
    // One ListSteps (every page of the cluster's history) serves both jobs: each
    // looks at its own steps only (flink/ or spark/), so what the streaming job
    // submits or cancels is nothing the batch job's view misses.
    const steps = a.streaming.enabled || a.batch?.enabled ? await this.emr.listSteps(a.emrClusterId) : undefined;
    if (a.streaming.enabled) {
      const script = await this.scripts.ensure('flink', a.scriptsBucket, a.scriptsPrefix);
      out['streaming'] = await this.streaming.reconcile(p, script.uri, steps!, ctx);
    } else if (!(await this.streaming.stop(p, steps))) {
      out['streaming'] = { status: 'Unknown', reason: 'Stopping', message: 'streaming disabled: waiting for its step to stop', requeueAfterMs: 15_000 };
    }
    if (a.batch?.enabled) {
      const script = await this.scripts.ensure('spark', a.scriptsBucket, a.scriptsPrefix);
      out['batch'] = await this.batch.reconcile(p, script.uri, steps!, ctx);
    }
    return out;
  }
}

function stepsOf(jobs: Record<string, BatchOutcome>): Steps {
  const steps: Steps = {};
  const s = jobs['streaming'];
  const b = jobs['batch'];
  if (s?.step) steps.streaming = s.step;
  if (b?.step || b?.lastDay || b?.nextRun) steps.batch = { ...b.step, ...(b.lastDay ? { lastDay: b.lastDay } : {}), ...(b.nextRun ? { nextRun: b.nextRun } : {}) };
  return steps;
}

/** Pure: one condition from the jobs' outcomes — False wins (and is Degraded), then Unknown; steps into status; the soonest requeue. */
export function combine(jobs: Record<string, BatchOutcome>): PartOutcome {
  const entries = Object.entries(jobs);
  if (entries.length === 0) return { condition: { status: 'True', reason: 'NothingToRun', message: 'streaming and batch are disabled' } };
  const worst = entries.find(([, j]) => j.status === 'False') ?? entries.find(([, j]) => j.status === 'Unknown') ?? entries[0]!;
  const steps = stepsOf(jobs);
  const requeues = entries.map(([, j]) => j.requeueAfterMs).filter((ms): ms is number => ms !== undefined);
  return {
    condition: { status: worst[1].status, reason: worst[1].reason, message: entries.map(([name, j]) => `${name}: ${j.message}`).join('; ') },
    ...(worst[1].status === 'False' ? { degraded: true } : {}),
    ...(Object.keys(steps).length > 0 ? { status: { steps } } : {}),
    ...(requeues.length > 0 ? { requeueAfterMs: Math.min(...requeues) } : {}),
  };
}
