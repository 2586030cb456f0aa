import type { Logger } from '@docpipe/runtime';
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { KubeObject, KubeWatcher, WatchEventType, WatchHandle } from '../../controller/ports.js';
import { listAll } from './kube-api.js';
import { resourcePath } from './resources.js';
import type { KubeRest } from './rest.js';

type Kind = { apiVersion: string; kind: string };
type OnEvent = (type: WatchEventType, object: KubeObject) => void;

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/** list+watch per kind over client-node's Watch: resumes from the last resourceVersion, relists on 410 Gone, backs off on errors. */
export class RestKubeWatcher implements KubeWatcher {
  constructor(
    private readonly kc: KubeConfig,
    private readonly rest: KubeRest,
    private readonly logger: Logger,
  ) {}

  watch(kind: Kind, options: { namespace?: string; labelSelector?: string }, onEvent: OnEvent): WatchHandle {
    const loop = new ListWatchLoop({ kc: this.kc, rest: this.rest, kind, options, onEvent, logger: this.logger.child({ watch: kind.kind }) });
    void loop.run();
    return loop;
  }
}

interface LoopOptions {
  kc: KubeConfig;
  rest: KubeRest;
  kind: Kind;
  options: { namespace?: string; labelSelector?: string };
  onEvent: OnEvent;
  logger: Logger;
}

/** One kind's list+watch, restarted until stopped. */
class ListWatchLoop implements WatchHandle {
  /** Identity of every object listed or watched (identityOf), to tell a relist's deletions. */
  private readonly known = new Map<string, KubeObject>();
  private resourceVersion = '';
  private stopped = false;
  private hasSynced = false;
  private failures = 0;
  private abort: AbortController | undefined;
  private wake: (() => void) | undefined;
  private readonly syncWaiters: Array<() => void> = [];

  constructor(private readonly o: LoopOptions) {}

  synced(): Promise<void> {
    return this.hasSynced ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  isSynced(): boolean {
    return this.hasSynced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.wake?.();
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.resourceVersion === '') await this.relist();
        const outcome = await this.watchOnce();
        if (outcome === 'gone') this.resourceVersion = '';
        this.failures = 0;
      } catch (err) {
        if (this.stopped) break;
        this.failures++;
        const delay = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (this.failures - 1)) * (0.5 + Math.random() / 2);
        this.o.logger.warn({ err, retryInMs: Math.round(delay) }, 'watch failed; restarting');
        await this.sleep(delay);
      }
    }
  }

  /** Lists everything, reports what is new or changed, and what vanished while not watching. */
  private async relist(): Promise<void> {
    const { kind, options } = this.o;
    const path = resourcePath({ ...kind, namespace: options.namespace });
    const { items, resourceVersion } = await listAll(this.o.rest, path, options.labelSelector);
    const seen = new Set<string>();
    for (const item of items) {
      const object = { ...item, apiVersion: kind.apiVersion, kind: kind.kind };
      seen.add(keyOf(object));
      this.deliver(this.known.has(keyOf(object)) ? 'modified' : 'added', object);
    }
    for (const [key, object] of this.known) if (!seen.has(key)) this.deliver('deleted', object);
    this.resourceVersion = resourceVersion;
    if (!this.hasSynced) {
      this.hasSynced = true;
      this.syncWaiters.splice(0).forEach((resolve) => resolve());
    }
  }

  /** Watches from the last resourceVersion until the server or an error ends it; 'gone' when it expired (410). */
  private watchOnce(): Promise<'ended' | 'gone'> {
    const { kind, options } = this.o;
    const path = resourcePath({ ...kind, namespace: options.namespace });
    // Ended by the server before client-node's 30 s inactivity timer; bookmarks keep resourceVersion fresh.
    const query = { resourceVersion: this.resourceVersion, labelSelector: options.labelSelector, allowWatchBookmarks: true, timeoutSeconds: 20 + Math.floor(Math.random() * 8) };
    return new Promise((resolve, reject) => {
      let gone = false;
      const onLine = (phase: string, object: KubeObject) => {
        if (phase === 'ERROR') {
          gone = (object as unknown as { code?: number }).code === 410;
          return;
        }
        this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
        if (phase === 'BOOKMARK') return;
        const type = phase === 'ADDED' ? 'added' : phase === 'DELETED' ? 'deleted' : 'modified';
        this.deliver(type, { ...object, apiVersion: kind.apiVersion, kind: kind.kind });
      };
      const onDone = (err: unknown) => {
        this.abort = undefined;
        const status = (err as { statusCode?: number; code?: number } | null)?.statusCode;
        if (gone || status === 410) resolve('gone');
        else if (err === null || err === undefined || (err as Error).name === 'TimeoutError' || this.stopped) resolve('ended');
        else reject(err instanceof Error ? err : new Error(String(err)));
      };
      new Watch(this.o.kc)
        .watch(path, query, onLine, onDone)
        .then((abort) => {
          this.abort = abort;
          if (this.stopped) abort.abort();
        })
        .catch(reject);
    });
  }

  private deliver(type: WatchEventType, object: KubeObject): void {
    if (type === 'deleted') this.known.delete(keyOf(object));
    else this.known.set(keyOf(object), identityOf(object));
    try {
      this.o.onEvent(type, object);
    } catch (err) {
      this.o.logger.error({ err }, 'watch handler failed');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/**
 * What a relist needs to report an object that vanished while not watching:
 * who it is and who owns it. The whole object is the handler's to keep or
 * not; holding every one here would double the operator's heap.
 */
function identityOf(object: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, ownerReferences } = object.metadata;
  const metadata = { name, ...(namespace !== undefined ? { namespace } : {}), ...(uid !== undefined ? { uid } : {}) };
  return { apiVersion: object.apiVersion, kind: object.kind, metadata: { ...metadata, resourceVersion, ...(ownerReferences ? { ownerReferences } : {}) } };
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}
