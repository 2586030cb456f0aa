import { createHash } from 'node:crypto';
import type { Logger } from '@docpipe/runtime';
import { ourApplyEntry, refOf, toPrune } from './desired.js';
import type { EventSink } from './events.js';
import type { OwnedIndex } from './owned-index.js';
import type { EventRecord, KubeApi, KubeObject } from './ports.js';
import { canonicalJson, type ReconcileProblem } from './status.js';

export type ApplyChange = 'created' | 'updated' | 'unchanged';

/** When our field manager last changed the object (server-side apply records it per manager). */
function appliedAt(object: KubeObject | undefined): string | undefined {
  return ourApplyEntry(object)?.time;
}

/**
 * What an apply did, from the object before (as the watch last saw it) and
 * after: SSA leaves an object untouched, managedFields time included, when
 * nothing changed. A miss in the watch cache counts as created only when the
 * object was created by this very apply.
 */
export function applyChange(before: KubeObject | undefined, after: KubeObject): ApplyChange {
  const at = appliedAt(after);
  if (before === undefined) return at !== undefined && after.metadata.creationTimestamp === at ? 'created' : 'unchanged';
  if (before.metadata.resourceVersion === after.metadata.resourceVersion) return 'unchanged';
  return appliedAt(before) !== at ? 'updated' : 'unchanged';
}

export interface ChildrenDeps {
  kube: KubeApi;
  owned: OwnedIndex;
  events: EventSink;
  logger: Logger;
}

export interface ChildrenResult {
  /** Every desired child as the API server returned it (apply response) or, when unchanged, as last watched; by `kind/name`. */
  observed: Map<string, KubeObject>;
  problems: ReconcileProblem[];
}

type Regarding = EventRecord['regarding'];

const REASON: Record<Exclude<ApplyChange, 'unchanged'>, string> = { created: 'Created', updated: 'Updated' };

/** A digest of a desired object: equal for equal objects whatever the key order. */
export function desiredDigest(object: KubeObject): string {
  return createHash('sha256').update(canonicalJson(object)).digest('base64');
}

interface Applied {
  object: KubeObject;
  /** False when the apply was skipped: nothing can have changed since our last one. */
  sent: boolean;
}

/**
 * Server-side applies `object` unless our last apply sent the same desired
 * object and the watch shows nobody wrote it since: then the apply would be
 * a no-op, and an idle resync of hundreds of pipelines sends no request at all.
 */
async function applyUnlessUnchanged(deps: ChildrenDeps, object: KubeObject): Promise<Applied> {
  const ref = refOf(object);
  const digest = desiredDigest(object);
  const current = deps.owned.unchangedSinceApply(ref, digest);
  if (current !== undefined) return { object: current, sent: false };
  const stored = await deps.kube.apply(object);
  deps.owned.rememberApplied(ref, digest, stored.metadata.resourceVersion);
  return { object: stored, sent: true };
}

/** Applies every desired child (server-side apply, in parallel) unless unchanged, then deletes owned children no longer desired. */
export async function applyChildren(deps: ChildrenDeps, owner: Regarding, desired: readonly KubeObject[]): Promise<ChildrenResult> {
  const observed = new Map<string, KubeObject>();
  const problems: ReconcileProblem[] = [];
  // The watch may deliver the applied object before the response is read: take "before" first.
  const before = desired.map((object) => deps.owned.get(refOf(object)));
  const results = await Promise.allSettled(desired.map((object) => applyUnlessUnchanged(deps, object)));
  results.forEach((result, i) => {
    const object = desired[i]!;
    const what = `${object.kind} ${object.metadata.name}`;
    if (result.status === 'rejected') {
      const message = `apply ${what}: ${messageOf(result.reason)}`;
      problems.push({ reason: 'ApplyFailed', message });
      deps.events.emit({ regarding: owner, type: 'Warning', reason: 'ApplyFailed', action: 'Apply', note: message });
      return;
    }
    observed.set(`${object.kind}/${object.metadata.name}`, result.value.object);
    if (!result.value.sent) return;
    const change = applyChange(before[i], result.value.object);
    if (change === 'unchanged') return;
    deps.logger.info({ kind: object.kind, name: object.metadata.name, change }, 'child applied');
    deps.events.emit({ regarding: owner, type: 'Normal', reason: REASON[change], action: 'Apply', note: `${change} ${what}` });
  });
  if (owner.uid !== undefined) problems.push(...(await prune(deps, owner, desired)));
  return { observed, problems };
}

async function prune(deps: ChildrenDeps, owner: Regarding, desired: readonly KubeObject[]): Promise<ReconcileProblem[]> {
  const extra = toPrune(deps.owned.ownedBy(owner.uid!), desired);
  const problems: ReconcileProblem[] = [];
  for (const object of extra) {
    const what = `${object.kind} ${object.metadata.name}`;
    try {
      if (await deps.kube.delete(refOf(object))) {
        deps.logger.info({ kind: object.kind, name: object.metadata.name }, 'child deleted: no longer desired');
        deps.events.emit({ regarding: owner, type: 'Normal', reason: 'Deleted', action: 'Delete', note: `deleted ${what}: no longer in the spec` });
      }
    } catch (err) {
      const message = `delete ${what}: ${messageOf(err)}`;
      problems.push({ reason: 'DeleteFailed', message });
      deps.events.emit({ regarding: owner, type: 'Warning', reason: 'DeleteFailed', action: 'Delete', note: message });
    }
  }
  return problems;
}

/** An error's message, its cause's too. */
export function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
}
