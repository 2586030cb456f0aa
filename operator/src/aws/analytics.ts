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
  readonly statusFields = ['steps'] as const;

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
    const clusterId = p.spec.analytics!.emrClusterId;
    try {
      const moving = await this.leaveOldCluster(p, ctx);
      if (moving) return moving;
      return combine(await this.jobs(p, ctx), clusterId);
    } catch (err) {
      if (err instanceof StepSpecError || err instanceof ScheduleError) return { condition: { status: 'False', reason: 'InvalidSpec', message: err.message }, degraded: true };
      // AWS failures (access denied too) go to the controller: Degraded, a Warning Event, retried with backoff.
      throw err;
    }
  }

  async finalize(p: DocumentPipeline, ctx: PartContext): Promise<boolean> {
    // On delete, or once spec.analytics is removed: then the cluster is the one the status remembers.
    const clusterId = p.spec.analytics?.emrClusterId ?? ctx.previous?.steps?.clusterId;
    if (clusterId === undefined) return true;
    return this.stopOn(p, clusterId);
  }

  /** Cancels the pipeline's active steps on `clusterId`; true when none is left. */
  private async stopOn(p: DocumentPipeline, clusterId: string): Promise<boolean> {
    const [streamingGone, batchGone] = [await this.streaming.stop(p, clusterId), await this.batch.stop(p, clusterId)];
    return streamingGone && batchGone;
  }

  /**
   * When spec.analytics.emrClusterId changed, stops the steps on the cluster
   * the status remembers before anything starts on the new one (two Flink
   * jobs must never write analytics.flink at once); an outcome while waiting.
   */
  private async leaveOldCluster(p: DocumentPipeline, ctx: PartContext): Promise<PartOutcome | undefined> {
    const old = ctx.previous?.steps?.clusterId;
    if (old === undefined || old === p.spec.analytics!.emrClusterId) return undefined;
    if (await this.stopOn(p, old)) return undefined;
    return {
      condition: { status: 'Unknown', reason: 'Moving', message: `moving to cluster ${p.spec.analytics!.emrClusterId}: waiting for the steps on ${old} to stop` },
      // The old cluster stays in the status until its steps are gone.
      status: { steps: { ...ctx.previous?.steps, clusterId: old } },
      requeueAfterMs: 15_000,
    };
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
    } else if (!(await this.streaming.stop(p, a.emrClusterId, steps))) {
      out['streaming'] = { status: 'Unknown', reason: 'Stopping', message: 'streaming disabled: waiting for its step to stop', requeueAfterMs: 15_000 };
    }
    if (a.batch?.enabled) {
      const script = await this.scripts.ensure('spark', a.scriptsBucket, a.scriptsPrefix);
      out['batch'] = await this.batch.reconcile(p, script.uri, steps!, ctx);
    }
    return out;
  }
}

function stepsOf(jobs: Record<string, BatchOutcome>, clusterId: string): Steps {
  // The cluster is kept even with no step: it is where finalize looks once spec.analytics is gone.
  const steps: Steps = { clusterId };
  const s = jobs['streaming'];
  const b = jobs['batch'];
  if (s?.step) steps.streaming = s.step;
  if (b?.step || b?.lastDay || b?.nextRun) steps.batch = { ...b.step, ...(b.lastDay ? { lastDay: b.lastDay } : {}), ...(b.nextRun ? { nextRun: b.nextRun } : {}) };
  return steps;
}

/** Pure: one condition from the jobs' outcomes — False wins (and is Degraded), then Unknown; steps (on `clusterId`) into status; the soonest requeue. */
export function combine(jobs: Record<string, BatchOutcome>, clusterId: string): PartOutcome {
  const entries = Object.entries(jobs);
  const steps = stepsOf(jobs, clusterId);
  if (entries.length === 0) return { condition: { status: 'True', reason: 'NothingToRun', message: 'streaming and batch are disabled' }, status: { steps } };
  const worst = entries.find(([, j]) => j.status === 'False') ?? entries.find(([, j]) => j.status === 'Unknown') ?? entries[0]!;
  const requeues = entries.map(([, j]) => j.requeueAfterMs).filter((ms): ms is number => ms !== undefined);
  return {
    condition: { status: worst[1].status, reason: worst[1].reason, message: entries.map(([name, j]) => `${name}: ${j.message}`).join('; ') },
    ...(worst[1].status === 'False' ? { degraded: true } : {}),
    status: { steps },
    ...(requeues.length > 0 ? { requeueAfterMs: Math.min(...requeues) } : {}),
  };
}
