import type { DocumentPipeline } from '@docpipe/operator-api';
import type { PartContext } from '../controller/ports.js';
import { kubeTime } from '../controller/status.js';
import type { EmrApi, EmrStep } from './ports.js';
import { checkSchedule, coveredDay, daysBetween, firesBetween, nextFire } from './schedule.js';
import { batchStepName, duplicates, isActive, sparkStepArgs, stepPrefix } from './steps.js';
import { cancelActive, STEP_POLL_MS, type JobOutcome } from './streaming.js';

/** How the batch job catches up and retries. */
export interface BatchOptions {
  /** Fire times this far back are still run when missed (operator down): default 48 h. Older ones need a backfill. */
  catchUpMs: number;
  /** Runs of one day, failed ones included, before the day is left FAILED: default 3. */
  maxAttempts: number;
  /** Wait after a failed run before the next: doubles per failure; default 5 min. */
  retryBaseMs: number;
  /** Most active batch steps of one pipeline at once (a long backfill goes in slices): default 10. */
  maxActive: number;
}

export const DEFAULT_BATCH_OPTIONS: Readonly<BatchOptions> = { catchUpMs: 48 * 3_600_000, maxAttempts: 3, retryBaseMs: 300_000, maxActive: 10 };

const ENDED_UNSUCCESSFULLY = new Set(['FAILED', 'CANCELLED', 'INTERRUPTED']);

/** What to do about one day, from the steps EMR holds for it. */
export type DayVerdict = { run: true } | { run: false; waitMs?: number; exhausted?: boolean };

/**
 * Pure: a day runs when it has no step yet, or when every step of it ended
 * unsuccessfully, fewer than maxAttempts did, and the backoff since the last has passed.
 */
export function judgeDay(steps: EmrStep[], now: number, opts: Pick<BatchOptions, 'maxAttempts' | 'retryBaseMs'>): DayVerdict {
  if (steps.length === 0) return { run: true };
  if (steps.some((s) => isActive(s) || s.state === 'COMPLETED')) return { run: false };
  const failed = steps.filter((s) => ENDED_UNSUCCESSFULLY.has(s.state));
  if (failed.length >= opts.maxAttempts) return { run: false, exhausted: true };
  const lastEnd = Math.max(...failed.map((s) => s.endedAt?.getTime() ?? 0));
  const waitMs = lastEnd + opts.retryBaseMs * 2 ** (failed.length - 1) - now;
  return waitMs > 0 ? { run: false, waitMs } : { run: true };
}

/** Pure: the days due at `now`: the covered day of each fire time in the catch-up window, then the backfill's. */
export function dueDays(p: DocumentPipeline, now: Date, catchUpMs: number): string[] {
  const b = p.spec.analytics!.batch!;
  const created = Date.parse(String((p.metadata as { creationTimestamp?: unknown }).creationTimestamp ?? ''));
  // A fire time before the pipeline existed is not owed.
  const since = new Date(Math.max(now.getTime() - catchUpMs, Number.isNaN(created) ? -Infinity : created));
  const scheduled = firesBetween(b.schedule, b.timeZone, since, now).map((f) => coveredDay(f, b.timeZone));
  const backfill = b.backfill ? daysBetween(b.backfill.from, b.backfill.to) : [];
  return [...new Set([...scheduled, ...backfill])].sort();
}

/** What the batch job reports: the job's outcome, the last day it ran for and when the schedule fires next. */
export type BatchOutcome = JobOutcome & { lastDay?: string; nextRun?: string };

/** Submits one spark-submit step per due day, never two for a day, with EMR's step list as the only memory. */
export class BatchJob {
  private readonly opts: BatchOptions;

  constructor(
    private readonly emr: EmrApi,
    opts: Partial<BatchOptions> = {},
  ) {
    this.opts = { ...DEFAULT_BATCH_OPTIONS, ...opts };
  }

  /** Submits the due days' steps; `steps` is every step of the cluster, listed once per reconcile of the analytics part. */
  async reconcile(p: DocumentPipeline, scriptUri: string, steps: readonly EmrStep[], ctx: PartContext): Promise<BatchOutcome> {
    const b = p.spec.analytics!.batch!;
    checkSchedule(b.schedule, b.timeZone);
    const clusterId = p.spec.analytics!.emrClusterId;
    const now = ctx.now();
    const prefix = stepPrefix(p, 'spark');
    const ours = steps.filter((s) => s.name.startsWith(prefix));
    await this.cancelDuplicates(clusterId, ours, ctx);
    const byDay = groupByDay(ours, prefix);
    let budget = this.opts.maxActive - ours.filter(isActive).length;
    let waitMs = Infinity;
    const exhausted: string[] = [];
    for (const day of dueDays(p, now, this.opts.catchUpMs)) {
      const verdict = judgeDay(byDay.get(day) ?? [], now.getTime(), this.opts);
      if (!verdict.run) {
        if (verdict.exhausted) exhausted.push(day);
        waitMs = Math.min(waitMs, verdict.waitMs ?? Infinity);
        continue;
      }
      if (budget <= 0) {
        waitMs = Math.min(waitMs, STEP_POLL_MS);
        continue;
      }
      const name = batchStepName(p, day);
      const id = await this.emr.addStep(clusterId, { name, args: sparkStepArgs(p, scriptUri, day) });
      byDay.set(day, [{ id, name, state: 'PENDING', args: [], createdAt: now }, ...(byDay.get(day) ?? [])]);
      budget--;
      ctx.event('Normal', 'BatchStepSubmitted', `submitted batch step ${id} for ${day}`);
    }
    return outcome(byDay, exhausted, { now, next: nextFire(b.schedule, b.timeZone, now), waitMs, active: budget < this.opts.maxActive });
  }

  private async cancelDuplicates(clusterId: string, ours: EmrStep[], ctx: PartContext): Promise<void> {
    const byName = new Map<string, EmrStep[]>();
    for (const s of ours.filter(isActive)) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
    const extra = [...byName.values()].flatMap(duplicates).filter((s) => s.state !== 'CANCEL_PENDING');
    if (extra.length === 0) return;
    await this.emr.cancelSteps(clusterId, extra.map((s) => s.id));
    ctx.event('Warning', 'BatchStepDuplicate', `cancelled duplicate batch step(s) ${extra.map((s) => s.id).join(', ')}`);
  }

  /** Cancels the pipeline's active batch steps on `clusterId`; true when none is left. */
  async stop(p: DocumentPipeline, clusterId: string): Promise<boolean> {
    return cancelActive(this.emr, clusterId, stepPrefix(p, 'spark'));
  }
}

function groupByDay(steps: EmrStep[], prefix: string): Map<string, EmrStep[]> {
  const byDay = new Map<string, EmrStep[]>();
  for (const s of steps) {
    const day = s.name.slice(prefix.length);
    if (/^\d{4}-\d{2}-\d{2}$/.test(day)) byDay.set(day, [...(byDay.get(day) ?? []), s]);
  }
  return byDay;
}

interface OutcomeTimes {
  now: Date;
  next: Date;
  waitMs: number;
  active: boolean;
}

function outcome(byDay: Map<string, EmrStep[]>, exhausted: string[], t: OutcomeTimes): BatchOutcome {
  const lastDay = [...byDay.keys()].sort().at(-1);
  const newest = lastDay ? [...byDay.get(lastDay)!].sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0] : undefined;
  const untilNext = t.next.getTime() - t.now.getTime();
  const requeueAfterMs = Math.max(1000, Math.min(untilNext, t.waitMs, t.active ? STEP_POLL_MS : Infinity));
  // metav1.Time style (whole seconds), like the conditions' timestamps: a cron fires on whole seconds anyway.
  const nextRun = kubeTime(t.next);
  const base = { requeueAfterMs, nextRun, ...(lastDay ? { lastDay } : {}), ...(newest ? { step: { id: newest.id, state: newest.state } } : {}) };
  const last = lastDay ? `last day ${lastDay} (step ${newest!.id} ${newest!.state})` : 'no day run yet';
  if (exhausted.length > 0) {
    const msg = `batch run(s) failed for ${exhausted.join(', ')} after every attempt (see the steps' logs on the cluster)`;
    return { status: 'False', reason: 'BatchStepFailed', message: `${msg}; ${last}`, ...base };
  }
  return { status: 'True', reason: 'Scheduled', message: `${last}; next run ${t.next.toISOString()}`, ...base };
}
