import { API_VERSION, KIND } from '@docpipe/operator-api';
import { MANAGED_BY } from '@docpipe/cdk8s';
import type { Logger, Registry } from '@docpipe/runtime';
import { OWNED_KINDS } from './desired.js';
import { DedupingEventRecorder } from './events.js';
import { operatorMetrics, type OperatorMetrics } from './metrics.js';
import { OwnedIndex } from './owned-index.js';
import { systemClock, type Clock, type ExternalPart, type KubeApi, type KubeObject, type KubeWatcher, type TopicAdmin, type WatchEventType, type WatchHandle } from './ports.js';
import { runWorkers, WorkQueue, type WorkQueueOptions } from './queue.js';
import { FinalizePendingError, ReconcileFailedError, Reconciler } from './reconcile.js';

/** The label every child carries (cdk8s childLabels): what the owned-kind watches select. */
export const MANAGED_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;

export interface ControllerOptions {
  kube: KubeApi;
  watcher: KubeWatcher;
  topics: TopicAdmin;
  parts?: readonly ExternalPart[];
  logger: Logger;
  registry: Registry;
  /** Watch one namespace only; undefined: all. */
  namespace?: string;
  resyncMs: number;
  workers: number;
  clock?: Clock;
  queue?: WorkQueueOptions;
}

/** The DocumentPipeline controller: watches, a work queue, N workers and a periodic resync. */
export interface Controller {
  /** Starts the watches (a standby replica keeps them warm too). */
  startWatches(): void;
  /** Starts reconciling (on leadership). */
  startWorkers(): void;
  /** True once every watch has listed. */
  synced(): boolean;
  /** Resolves when every watch has listed. */
  waitSynced(): Promise<void>;
  readonly metrics: OperatorMetrics;
  /** Stops the watches and the resync, lets reconciles in flight finish. */
  stop(): Promise<void>;
}

/** Builds the controller (nothing starts until startWatches/startWorkers). */
export function createController(o: ControllerOptions): Controller {
  const clock = o.clock ?? systemClock;
  const logger = o.logger.child({ component: 'controller' });
  const queue = new WorkQueue({ clock, ...o.queue });
  const owned = new OwnedIndex();
  const pipelines = new Set<string>();
  const events = new DedupingEventRecorder(o.kube, () => clock.now());
  const reconciler = new Reconciler({ kube: o.kube, topics: o.topics, parts: o.parts, owned, events, logger, now: () => new Date(clock.now()) });
  const metrics = operatorMetrics(o.registry, () => queue.length);
  const watches: WatchHandle[] = [];
  let resync: { cancel(): void } | undefined;
  let workers: Promise<void> | undefined;

  const onPipeline = (type: WatchEventType, object: KubeObject) => {
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    if (type === 'deleted') pipelines.delete(key);
    else pipelines.add(key);
    // A deleted one too: its reconcile finds it gone and forgets what the reconciler remembers of it.
    queue.add(key);
  };
  const onOwned = (type: WatchEventType, object: KubeObject) => {
    const owner = owned.observe(type, object);
    if (owner !== undefined) queue.add(owner);
  };
  const scheduleResync = () => {
    resync = clock.setTimeout(() => {
      logger.debug({ pipelines: pipelines.size }, 'resync');
      for (const key of pipelines) queue.add(key);
      scheduleResync();
    }, o.resyncMs);
  };
  const handle = async (key: string) => {
    const started = clock.now();
    const timer = () => (clock.now() - started) / 1000;
    try {
      const result = await reconciler.reconcile(key);
      const outcome = result.requeueAfterMs !== undefined ? 'requeue' : 'success';
      metrics.reconciles.inc({ result: outcome });
      metrics.duration.observe({ result: outcome }, timer());
      return result;
    } catch (err) {
      metrics.reconciles.inc({ result: 'error' });
      metrics.errors.inc();
      metrics.duration.observe({ result: 'error' }, timer());
      throw err;
    }
  };
  const onError = (key: string, err: unknown, retryInMs: number) => {
    const expected = err instanceof ReconcileFailedError || err instanceof FinalizePendingError;
    logger[expected ? 'warn' : 'error']({ pipeline: key, retryInMs, ...(expected ? { reason: (err as Error).message } : { err }) }, 'reconcile failed; retrying');
  };

  return {
    metrics,
    startWatches() {
      const scope = o.namespace !== undefined ? { namespace: o.namespace } : {};
      watches.push(o.watcher.watch({ apiVersion: API_VERSION, kind: KIND }, scope, onPipeline));
      for (const kind of OWNED_KINDS) watches.push(o.watcher.watch(kind, { ...scope, labelSelector: MANAGED_SELECTOR }, onOwned));
    },
    startWorkers() {
      if (workers !== undefined) return;
      logger.info({ workers: o.workers }, 'reconciling');
      metrics.leader.set(1);
      workers = runWorkers(queue, o.workers, handle, onError);
      scheduleResync();
    },
    synced: () => watches.length > 0 && watches.every((w) => w.isSynced()),
    waitSynced: async () => {
      await Promise.all(watches.map((w) => w.synced()));
    },
    async stop() {
      resync?.cancel();
      await Promise.all(watches.map((w) => w.stop()));
      await queue.shutDownWithDrain();
      await workers;
    },
  };
}
