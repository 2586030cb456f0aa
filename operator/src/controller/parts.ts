import type { DocumentPipeline, DocumentPipelineStatus } from '@docpipe/operator-api';
import type { Logger } from '@docpipe/runtime';
import { messageOf } from './children.js';
import type { EventSink } from './events.js';
import type { EventRecord, ExternalPart, PartContext } from './ports.js';
import type { PartCondition, ReconcileProblem } from './status.js';

export interface PartsDeps {
  parts: readonly ExternalPart[];
  events: EventSink;
  logger: Logger;
  now: () => Date;
}

export interface PartsResult {
  conditions: PartCondition[];
  /** Failures: Degraded, and the reconcile is retried with the queue's backoff. */
  problems: ReconcileProblem[];
  /** Trouble a part handles on its own schedule: Degraded, but no reconcile error. */
  reported: ReconcileProblem[];
  external: Partial<DocumentPipelineStatus>[];
  requeueAfterMs?: number;
}

/** The context a part gets: its Events regard the pipeline. */
export function partContext(deps: PartsDeps, part: ExternalPart, regarding: EventRecord['regarding'], previous: DocumentPipelineStatus | undefined): PartContext {
  return {
    now: deps.now,
    logger: deps.logger.child({ part: part.conditionType }),
    event: (type, reason, note) => deps.events.emit({ regarding, type, reason, action: part.conditionType, note }),
    ...(previous !== undefined ? { previous } : {}),
  };
}

/**
 * Reconciles the wanted parts and cleans up the unwanted ones that still
 * have a condition (they made something before). A part that throws is a
 * False condition and a problem; it never stops the others.
 */
export async function reconcileParts(
  deps: PartsDeps,
  pipeline: DocumentPipeline,
  regarding: EventRecord['regarding'],
  previous: DocumentPipelineStatus | undefined,
): Promise<PartsResult> {
  const result: PartsResult = { conditions: [], problems: [], reported: [], external: [] };
  const had = new Set((previous?.conditions ?? []).map((c) => c.type));
  for (const part of deps.parts) {
    const ctx = partContext(deps, part, regarding, previous);
    if (part.wants(pipeline)) await runPart(part, pipeline, ctx, result);
    else if (had.has(part.conditionType)) await retirePart(part, pipeline, ctx, result);
  }
  return result;
}

async function runPart(part: ExternalPart, pipeline: DocumentPipeline, ctx: PartContext, result: PartsResult): Promise<void> {
  const type = part.conditionType;
  try {
    const outcome = await part.reconcile(pipeline, ctx);
    result.conditions.push({ type, ...outcome.condition });
    if (outcome.degraded) result.reported.push({ reason: outcome.condition.reason, message: `${type}: ${outcome.condition.message}` });
    if (outcome.status !== undefined) result.external.push(outcome.status);
    if (outcome.requeueAfterMs !== undefined) result.requeueAfterMs = Math.min(result.requeueAfterMs ?? Infinity, outcome.requeueAfterMs);
  } catch (err) {
    const message = `${type}: ${messageOf(err)}`;
    result.conditions.push({ type, status: 'False', reason: 'ReconcileFailed', message });
    result.problems.push({ reason: `${type.replace(/Ready$/, '')}Failed`, message });
    ctx.event('Warning', 'ReconcileFailed', message);
  }
}

/** A part no longer wanted: finalize it; its condition and status fields go once it is gone. */
async function retirePart(part: ExternalPart, pipeline: DocumentPipeline, ctx: PartContext, result: PartsResult): Promise<void> {
  const type = part.conditionType;
  try {
    if (await part.finalize(pipeline, ctx)) {
      result.external.push(Object.fromEntries(part.statusFields.map((field) => [field, undefined])));
      return;
    }
    result.conditions.push({ type, status: 'False', reason: 'Removing', message: 'no longer in the spec; removing what it made' });
    result.requeueAfterMs = Math.min(result.requeueAfterMs ?? Infinity, 10_000);
  } catch (err) {
    const message = `${type}: removing: ${messageOf(err)}`;
    result.conditions.push({ type, status: 'False', reason: 'RemoveFailed', message });
    result.problems.push({ reason: 'RemoveFailed', message });
    ctx.event('Warning', 'RemoveFailed', message);
  }
}

/**
 * On deletion: the finalize of every part that is wanted or made something
 * (has a condition); true when all report their resources gone.
 */
export async function finalizeParts(
  deps: PartsDeps,
  pipeline: DocumentPipeline,
  regarding: EventRecord['regarding'],
  previous: DocumentPipelineStatus | undefined,
): Promise<boolean> {
  const had = new Set((previous?.conditions ?? []).map((c) => c.type));
  let allGone = true;
  for (const part of deps.parts.filter((x) => x.wants(pipeline) || had.has(x.conditionType))) {
    const ctx = partContext(deps, part, regarding, previous);
    try {
      if (!(await part.finalize(pipeline, ctx))) allGone = false;
    } catch (err) {
      allGone = false;
      ctx.event('Warning', 'FinalizeFailed', `${part.conditionType}: ${messageOf(err)}`);
    }
  }
  return allGone;
}
