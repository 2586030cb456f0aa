import type { DocumentPipeline } from '@docpipe/operator-api';
import type { PartContext } from '../controller/ports.js';
import { ACTIVE_STEP_STATES, type EmrApi, type EmrStep, type StepToAdd } from './ports.js';
import { duplicates, flinkJobArgs, flinkStepArgs, isActive, oldestFirst, stepPrefix, streamingStepName } from './steps.js';

/** Backoff of resubmitting a streaming step that ended: 30 s, doubling per recent end, at most 30 min. */
export const STREAMING_RETRY_BASE_MS = 30_000;
export const STREAMING_RETRY_MAX_MS = 1_800_000;
/** Ends older than this no longer count towards the backoff. */
const RECENT_MS = 24 * 3_600_000;
/** How often a step that is not RUNNING yet is looked at again. */
export const STEP_POLL_MS = 60_000;

/** What one job (streaming or batch) reports; the analytics part combines them. */
export interface JobOutcome {
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  step?: { id?: string; state?: string };
  requeueAfterMs?: number;
}

/** The backoff before resubmitting after `ends` recent ends of the same step. */
export function streamingRetryDelayMs(ends: number): number {
  return Math.min(STREAMING_RETRY_BASE_MS * 2 ** Math.max(0, ends - 1), STREAMING_RETRY_MAX_MS);
}

/** Keeps exactly one Flink step of the pipeline running on its cluster, the one of the current script and arguments. */
export class StreamingJob {
  constructor(private readonly emr: EmrApi) {}

  /** Converges the pipeline's Flink steps; `steps` is every step of the cluster, listed once per reconcile of the analytics part. */
  async reconcile(p: DocumentPipeline, scriptUri: string, steps: readonly EmrStep[], ctx: PartContext): Promise<JobOutcome> {
    const clusterId = p.spec.analytics!.emrClusterId;
    const jobArgs = flinkJobArgs(p);
    const name = streamingStepName(p, scriptUri, jobArgs);
    const ours = steps.filter((s) => s.name.startsWith(stepPrefix(p, 'flink')));
    const active = ours.filter(isActive);
    const stale = active.filter((s) => s.name !== name);
    const current = active.filter((s) => s.name === name);
    const extra = [...stale, ...duplicates(current)].filter((s) => s.state !== 'CANCEL_PENDING');
    if (extra.length > 0) {
      await this.emr.cancelSteps(clusterId, extra.map((s) => s.id));
      ctx.event('Normal', 'StreamingStepCancelled', `cancelled streaming step(s) ${extra.map((s) => s.id).join(', ')}: superseded by ${name}`);
    }
    const kept = oldestFirst(current)[0];
    if (kept) return runningOutcome(kept);
    // The old job must be gone before its successor starts: two would both write analytics.flink.
    if (stale.length > 0) return { status: 'Unknown', reason: 'Replacing', message: `waiting for the old streaming step to stop before submitting ${name}`, requeueAfterMs: STEP_POLL_MS / 4 };
    return this.submitOrWait(p, { name, args: flinkStepArgs(name, scriptUri, jobArgs) }, ours, ctx);
  }

  private async submitOrWait(p: DocumentPipeline, step: StepToAdd, ours: readonly EmrStep[], ctx: PartContext): Promise<JobOutcome> {
    const name = step.name;
    const now = ctx.now().getTime();
    const ended = ours.filter((s) => s.name === name && s.endedAt !== undefined && now - s.endedAt.getTime() < RECENT_MS);
    const last = ended.sort((a, b) => b.endedAt!.getTime() - a.endedAt!.getTime())[0];
    if (last) {
      const waitMs = last.endedAt!.getTime() + streamingRetryDelayMs(ended.length) - now;
      const what = `streaming step ${last.id} ended ${last.state}${last.message ? `: ${last.message}` : ''}`;
      if (waitMs > 0) return { status: 'False', reason: 'StreamingStepEnded', message: `${what}; resubmitting in ${Math.ceil(waitMs / 1000)} s`, step: { id: last.id, state: last.state }, requeueAfterMs: waitMs };
      ctx.event('Warning', 'StreamingStepEnded', `${what}; resubmitting`);
    }
    const id = await this.emr.addStep(p.spec.analytics!.emrClusterId, step);
    ctx.event('Normal', 'StreamingStepSubmitted', `submitted streaming step ${id} (${name})`);
    return { status: 'Unknown', reason: 'Submitted', message: `streaming step ${id} submitted`, step: { id, state: 'PENDING' }, requeueAfterMs: STEP_POLL_MS };
  }

  /** Cancels every active streaming step of the pipeline on `clusterId`; true when none is left. `listed`: the cluster's steps, when this reconcile listed them already. */
  async stop(p: DocumentPipeline, clusterId: string, listed?: readonly EmrStep[]): Promise<boolean> {
    return cancelActive(this.emr, clusterId, stepPrefix(p, 'flink'), listed);
  }
}

function runningOutcome(step: EmrStep): JobOutcome {
  const info = { step: { id: step.id, state: step.state } };
  if (step.state === 'RUNNING') return { status: 'True', reason: 'Running', message: `streaming step ${step.id} is RUNNING`, ...info };
  return { status: 'Unknown', reason: 'Pending', message: `streaming step ${step.id} is ${step.state}`, ...info, requeueAfterMs: STEP_POLL_MS };
}

/**
 * Cancels the active steps on `clusterId` whose names start with `prefix` (one
 * job of one pipeline); true when none is active any more. Takes the active
 * ones from `listed` when the caller listed the cluster's steps already; the
 * look after a cancel is always a new list.
 */
export async function cancelActive(emr: EmrApi, clusterId: string, prefix: string, listed?: readonly EmrStep[]): Promise<boolean> {
  // Only the active states: the whole step history of a long-lived cluster is many pages.
  const candidates = listed?.filter(isActive) ?? (await emr.listSteps(clusterId, ACTIVE_STEP_STATES));
  const active = candidates.filter((s) => s.name.startsWith(prefix));
  const toCancel = active.filter((s) => s.state !== 'CANCEL_PENDING').map((s) => s.id);
  if (toCancel.length > 0) await emr.cancelSteps(clusterId, toCancel);
  if (active.length === 0) return true;
  return (await emr.listSteps(clusterId, ACTIVE_STEP_STATES)).every((s) => !s.name.startsWith(prefix));
}
