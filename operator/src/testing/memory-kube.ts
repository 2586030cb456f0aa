import { refKey } from '../controller/desired.js';
import {
  FIELD_MANAGER,
  type EventRecord,
  type KubeApi,
  type KubeObject,
  type ObjectRef,
  type WatchEventType,
} from '../controller/ports.js';
import { canonicalJson, kubeTime } from '../controller/status.js';

type Listener = (type: WatchEventType, object: KubeObject) => void;

/**
 * An in-memory KubeApi for unit tests: apply replaces the applied fields
 * (keeping status), bumps resourceVersion only on a real change, and tells
 * listeners like a watch would. Not an API server: no defaulting, no
 * validation, no garbage collection (the stack tests use the real one).
 */
export class MemoryKube implements KubeApi {
  readonly objects = new Map<string, KubeObject>();
  readonly events: EventRecord[] = [];
  readonly writes: string[] = [];
  readonly secrets = new Map<string, Record<string, string>>();
  /** Makes the next write to an object of this kind fail. */
  failKinds = new Set<string>();
  private listeners: Listener[] = [];
  private version = 1;
  private uids = 1;

  constructor(private readonly now: () => Date = () => new Date('2026-11-28T10:00:00Z')) {}

  /** Every object change goes to `listener` (what a watch would deliver). */
  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  /** Creates or replaces an object as a user would (kubectl apply), generation and uid managed. */
  put(object: KubeObject): KubeObject {
    const before = this.objects.get(refKey(object));
    const stored: KubeObject = structuredClone(object);
    const specChanged = canonicalJson(before?.['spec']) !== canonicalJson(object['spec']);
    this.identify(stored, before, specChanged);
    if (before?.['status'] !== undefined && object['status'] === undefined) stored['status'] = before['status'];
    return this.store(stored, before === undefined ? 'added' : 'modified');
  }

  /** uid and creationTimestamp kept from `before`; generation bumped on a spec change. */
  private identify(object: KubeObject, before: KubeObject | undefined, bump: boolean): void {
    object.metadata.uid = before?.metadata.uid ?? `uid-${this.uids++}`;
    object.metadata.creationTimestamp = before?.metadata.creationTimestamp ?? kubeTime(this.now());
    object.metadata.generation = (before?.metadata.generation ?? 0) + (bump || before === undefined ? 1 : 0);
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const found = this.objects.get(refKey(ref));
    return found === undefined ? undefined : structuredClone(found);
  }

  async list(apiVersion: string, kind: string, options: { namespace?: string } = {}): Promise<KubeObject[]> {
    return [...this.objects.values()]
      .filter((o) => o.apiVersion === apiVersion && o.kind === kind && (options.namespace === undefined || o.metadata.namespace === options.namespace))
      .map((o) => structuredClone(o));
  }

  async apply(object: KubeObject): Promise<KubeObject> {
    this.maybeFail(object.kind);
    const before = this.objects.get(refKey(object));
    const { status: _ignored, ...applied } = structuredClone(object);
    const merged = { ...applied, metadata: { ...before?.metadata, ...applied.metadata }, status: before?.['status'] } as KubeObject;
    if (before !== undefined && canonicalJson(strip(before)) === canonicalJson(strip(merged))) return structuredClone(before);
    this.identify(merged, before, true);
    merged.metadata.managedFields = [{ manager: FIELD_MANAGER, operation: 'Apply', time: kubeTime(this.now()) }];
    this.writes.push(`apply ${refKey(object)}`);
    return structuredClone(this.store(merged, before === undefined ? 'added' : 'modified'));
  }

  async delete(ref: ObjectRef): Promise<boolean> {
    this.maybeFail(ref.kind);
    const found = this.objects.get(refKey(ref));
    if (found === undefined) return false;
    this.objects.delete(refKey(ref));
    this.writes.push(`delete ${refKey(ref)}`);
    for (const listener of this.listeners) listener('deleted', structuredClone(found));
    return true;
  }

  async patchStatus(ref: ObjectRef, status: Record<string, unknown>): Promise<void> {
    const found = this.require(ref);
    this.writes.push(`status ${refKey(ref)}`);
    this.store({ ...found, status: structuredClone(status) }, 'modified');
  }

  async addFinalizer(ref: ObjectRef, finalizer: string): Promise<void> {
    const found = this.require(ref);
    if (found.metadata.finalizers?.includes(finalizer)) return;
    this.writes.push(`finalizer+ ${refKey(ref)}`);
    this.store({ ...found, metadata: { ...found.metadata, finalizers: [...(found.metadata.finalizers ?? []), finalizer] } }, 'modified');
  }

  async removeFinalizer(ref: ObjectRef, finalizer: string): Promise<void> {
    const found = this.objects.get(refKey(ref));
    if (found === undefined || !found.metadata.finalizers?.includes(finalizer)) return;
    this.writes.push(`finalizer- ${refKey(ref)}`);
    const finalizers = found.metadata.finalizers.filter((f) => f !== finalizer);
    if (finalizers.length === 0 && found.metadata.deletionTimestamp !== undefined) {
      await this.delete(ref);
      return;
    }
    this.store({ ...found, metadata: { ...found.metadata, finalizers } }, 'modified');
  }

  async readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    return this.secrets.get(`${namespace}/${name}`);
  }

  async recordEvent(event: EventRecord): Promise<void> {
    this.events.push(event);
  }

  /** Marks an object deleted; it goes once its finalizers are gone. */
  async requestDelete(ref: ObjectRef): Promise<void> {
    const found = this.require(ref);
    if ((found.metadata.finalizers ?? []).length === 0) {
      await this.delete(ref);
      return;
    }
    this.store({ ...found, metadata: { ...found.metadata, deletionTimestamp: kubeTime(this.now()) } }, 'modified');
  }

  private store(object: KubeObject, type: WatchEventType): KubeObject {
    object.metadata.resourceVersion = String(++this.version);
    this.objects.set(refKey(object), object);
    for (const listener of this.listeners) listener(type, structuredClone(object));
    return object;
  }

  private require(ref: ObjectRef): KubeObject {
    const found = this.objects.get(refKey(ref));
    if (found === undefined) throw new Error(`${refKey(ref)} not found`);
    return structuredClone(found);
  }

  private maybeFail(kind: string): void {
    if (this.failKinds.has(kind)) throw new Error(`${kind}: injected failure`);
  }
}

function strip(object: KubeObject): unknown {
  const { resourceVersion: _rv, managedFields: _mf, generation: _g, uid: _u, creationTimestamp: _c, ...metadata } = object.metadata;
  return { ...object, metadata };
}
