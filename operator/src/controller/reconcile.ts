import { COMPONENTS, type Component } from '@docpipe/cdk8s';
import {
  API_VERSION,
  InvalidPipelineError,
  KIND,
  parseDocumentPipeline,
  type DocumentPipeline,
  type DocumentPipelineStatus,
} from '@docpipe/operator-api';
import type { Logger } from '@docpipe/runtime';
import { applyChildren, messageOf } from './children.js';
import { desiredChildren } from './desired.js';
import type { EventSink } from './events.js';
import type { OwnedIndex } from './owned-index.js';
import { finalizeParts, reconcileParts } from './parts.js';
import { EXTERNAL_FINALIZER, type EventRecord, type ExternalPart, type KubeApi, type KubeObject, type ObjectRef, type TopicAdmin } from './ports.js';
import type { HandleResult } from './queue.js';
import { buildStatus, deploymentCondition, readyReplicas, statusEqual, uploadUrl, type PartCondition, type ReconcileProblem } from './status.js';
import { ensurePipelineTopics, TopicsMemo } from './topics.js';

export interface ReconcilerDeps {
  kube: KubeApi;
  topics: TopicAdmin;
  parts?: readonly ExternalPart[];
  owned: OwnedIndex;
  events: EventSink;
  logger: Logger;
  now?: () => Date;
  /** How long a successful topic check stands for an unchanged generation (default 5 min). */
  topicsRecheckMs?: number;
}

/** A reconcile that found problems: the status says so; the queue retries with backoff. */
export class ReconcileFailedError extends Error {
  constructor(readonly problems: readonly ReconcileProblem[]) {
    super(problems.map((p) => p.message).join('; '));
    this.name = 'ReconcileFailedError';
  }
}

/** Finalizers still waiting for external resources to go. */
export class FinalizePendingError extends Error {
  constructor(key: string) {
    super(`${key}: external resources are still being removed`);
    this.name = 'FinalizePendingError';
  }
}

/** `namespace/name` → the pipeline's reference. */
export function pipelineRef(key: string): ObjectRef {
  const [namespace, name] = key.split('/', 2) as [string, string];
  return { apiVersion: API_VERSION, kind: KIND, namespace, name };
}

/** What one reconcile read of its pipeline, computed once and handed to every step. */
interface Observed {
  /** `namespace/name`. */
  key: string;
  ref: ObjectRef;
  /** The pipeline as Events' subject (the ref with its uid). */
  regarding: EventRecord['regarding'];
  raw: KubeObject;
  /** The status as read: ours, possibly written by an older operator. */
  previous: DocumentPipelineStatus | undefined;
}

/**
 * Reconciles one DocumentPipeline: observe → validate → desired → apply →
 * prune → topics → external parts → status. Create, update and resync are
 * the same code; the status is written only when it changed.
 */
export class Reconciler {
  private readonly parts: readonly ExternalPart[];
  private readonly now: () => Date;
  private readonly topicsMemo: TopicsMemo;

  constructor(private readonly deps: ReconcilerDeps) {
    this.parts = deps.parts ?? [];
    this.now = deps.now ?? (() => new Date());
    this.topicsMemo = new TopicsMemo(deps.topicsRecheckMs ?? 300_000);
  }

  /** Pipelines whose last topic check is remembered (for tests). */
  get topicsRemembered(): number {
    return this.topicsMemo.size;
  }

  async reconcile(key: string): Promise<HandleResult> {
    const ref = pipelineRef(key);
    const raw = await this.deps.kube.get(ref);
    // Gone: every DELETED event (the watch's, or one it infers on a relist) queues the key and lands here.
    if (raw === undefined) {
      this.topicsMemo.forget(key);
      return {};
    }
    const o: Observed = { key, ref, regarding: { ...ref, uid: raw.metadata.uid }, raw, previous: raw['status'] as DocumentPipelineStatus | undefined };
    let pipeline: DocumentPipeline;
    try {
      // The status is ours and may hold what an older operator wrote: validate the spec only.
      pipeline = parseDocumentPipeline({ ...raw, status: undefined });
    } catch (err) {
      if (!(err instanceof InvalidPipelineError)) throw err;
      await this.reportInvalid(o, err);
      return {};
    }
    if (raw.metadata.deletionTimestamp !== undefined) return this.finalize(o, pipeline);
    return this.converge(o, pipeline);
  }

  private async converge(o: Observed, pipeline: DocumentPipeline): Promise<HandleResult> {
    await this.holdFinalizerIfNeeded(o, pipeline);
    const { kube, owned, events, logger } = this.deps;
    const children = await applyChildren({ kube, owned, events, logger }, o.regarding, desiredChildren(pipeline));
    const topics = await this.topics(o.key, pipeline);
    const external = await reconcileParts({ parts: this.parts, events, logger, now: this.now }, pipeline, o.regarding, o.previous);
    const deployments = (c: Component) => children.observed.get(`Deployment/${pipeline.metadata.name}-${c}`);
    const conditions: PartCondition[] = [
      topics.condition,
      ...COMPONENTS.map((c) => deploymentCondition(c, deployments(c), workerMin(pipeline, c))),
      ...external.conditions,
    ];
    const problems = [...children.problems, ...(topics.problem ? [topics.problem] : []), ...external.problems];
    const status = buildStatus({
      generation: o.raw.metadata.generation,
      previous: o.previous,
      now: this.now(),
      parts: conditions,
      // What the parts handle themselves shows as Degraded too, but is no reconcile error.
      problems: [...problems, ...external.reported],
      replicas: Object.fromEntries(COMPONENTS.map((c) => [c, readyReplicas(deployments(c))])),
      uploadUrl: uploadUrl(pipeline),
      external: external.external,
    });
    await this.writeStatus(o, status);
    if (problems.length > 0) throw new ReconcileFailedError(problems);
    return external.requeueAfterMs === undefined ? {} : { requeueAfterMs: external.requeueAfterMs };
  }

  private async topics(key: string, pipeline: DocumentPipeline): Promise<{ condition: PartCondition; problem?: ReconcileProblem }> {
    const version = { key, uid: pipeline.metadata.uid ?? '', generation: pipeline.metadata.generation ?? 0 };
    const now = this.now().getTime();
    const fresh = this.topicsMemo.fresh(version, now);
    if (fresh !== undefined) return { condition: fresh };
    const step = await ensurePipelineTopics(this.deps.kube, this.deps.topics, pipeline);
    this.topicsMemo.remember(version, now, step.condition);
    if (step.outcome !== undefined && step.outcome.created.length + step.outcome.updated.length > 0) {
      this.deps.logger.info({ pipeline: pipeline.metadata.name, ...step.outcome }, 'topics changed');
    }
    return step;
  }

  /** Holds the external-resources finalizer while a part is wanted (or one still has something to remove). */
  private async holdFinalizerIfNeeded(o: Observed, pipeline: DocumentPipeline): Promise<void> {
    const wanted = this.parts.some((p) => p.wants(pipeline));
    const held = o.raw.metadata.finalizers?.includes(EXTERNAL_FINALIZER) ?? false;
    if (wanted && !held) await this.deps.kube.addFinalizer(o.ref, EXTERNAL_FINALIZER);
    if (!wanted && held && !hasPartCondition(o.previous, this.parts)) await this.deps.kube.removeFinalizer(o.ref, EXTERNAL_FINALIZER);
  }

  private async finalize(o: Observed, pipeline: DocumentPipeline): Promise<HandleResult> {
    this.topicsMemo.forget(o.key);
    if (!(o.raw.metadata.finalizers?.includes(EXTERNAL_FINALIZER) ?? false)) return {};
    const { events, logger } = this.deps;
    const gone = await finalizeParts({ parts: this.parts, events, logger, now: this.now }, pipeline, o.regarding, o.previous);
    if (!gone) throw new FinalizePendingError(o.key);
    await this.deps.kube.removeFinalizer(o.ref, EXTERNAL_FINALIZER);
    logger.info({ pipeline: o.key }, 'external resources removed; finalizer released');
    return {};
  }

  private async reportInvalid(o: Observed, err: InvalidPipelineError): Promise<void> {
    const message = err.problems.join('; ');
    this.deps.events.emit({ regarding: o.regarding, type: 'Warning', reason: 'InvalidSpec', action: 'Validate', note: message });
    const status = buildStatus({
      generation: o.raw.metadata.generation,
      previous: o.previous,
      now: this.now(),
      parts: [],
      problems: [{ reason: 'InvalidSpec', message }],
      keepPreviousParts: true,
    });
    await this.writeStatus(o, status);
  }

  private async writeStatus(o: Observed, status: DocumentPipelineStatus): Promise<void> {
    if (statusEqual(o.previous, status)) return;
    try {
      await this.deps.kube.patchStatus(o.ref, status as Record<string, unknown>);
    } catch (err) {
      throw new Error(`writing the status of ${o.key}: ${messageOf(err)}`, { cause: err });
    }
  }
}

function workerMin(pipeline: DocumentPipeline, component: Component): number | undefined {
  return component === 'docproc' || component === 'embedding' ? pipeline.spec[component].minReplicas : undefined;
}

function hasPartCondition(previous: DocumentPipelineStatus | undefined, parts: readonly ExternalPart[]): boolean {
  return (previous?.conditions ?? []).some((c) => parts.some((p) => p.conditionType === c.type));
}
