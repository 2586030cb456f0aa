import { controllerOf, ourApplyEntry, refKey } from './desired.js';
import type { KubeObject, ObjectMeta, ObjectRef, WatchEventType } from './ports.js';
import type { DeploymentView } from './status.js';

/** What the last successful apply of a child sent (digest of the desired object) and got back (resourceVersion). */
interface Applied {
  digest: string;
  resourceVersion: string;
}

/**
 * The children the watches have seen, by owning pipeline (uid): what prune
 * compares with the desired objects, what change detection compares an
 * apply's result with, and what an apply may be skipped for. Holds a slim
 * copy of each child (see slimChild): with hundreds of pipelines the full
 * objects, managedFields above all, would be most of the operator's heap.
 */
export class OwnedIndex {
  private readonly byOwner = new Map<string, Map<string, KubeObject>>();
  private readonly ownerOf = new Map<string, string>();
  private readonly applied = new Map<string, Applied>();

  /** Records a watch event; returns the controlling pipeline as `namespace/name`, if any. */
  observe(type: WatchEventType, object: KubeObject): string | undefined {
    const key = refKey(object);
    const owner = controllerOf(object);
    if (type === 'deleted') this.applied.delete(key);
    const previousUid = this.ownerOf.get(key);
    if (previousUid !== undefined && (type === 'deleted' || previousUid !== owner?.uid)) this.drop(key, previousUid);
    if (owner === undefined) return undefined;
    if (type !== 'deleted') {
      const children = this.byOwner.get(owner.uid) ?? new Map<string, KubeObject>();
      children.set(key, slimChild(object));
      this.byOwner.set(owner.uid, children);
      this.ownerOf.set(key, owner.uid);
    }
    return `${object.metadata.namespace ?? ''}/${owner.name}`;
  }

  private drop(key: string, uid: string): void {
    this.byOwner.get(uid)?.delete(key);
    if (this.byOwner.get(uid)?.size === 0) this.byOwner.delete(uid);
    this.ownerOf.delete(key);
  }

  /** The children of the pipeline with this uid. */
  ownedBy(uid: string): KubeObject[] {
    return [...(this.byOwner.get(uid)?.values() ?? [])];
  }

  /** The last seen version of an object (slim: see slimChild). */
  get(ref: ObjectRef): KubeObject | undefined {
    const uid = this.ownerOf.get(refKey(ref));
    return uid === undefined ? undefined : this.byOwner.get(uid)?.get(refKey(ref));
  }

  /** Notes a successful apply: the desired object's digest and the resourceVersion the server returned. */
  rememberApplied(ref: ObjectRef, digest: string, resourceVersion: string | undefined): void {
    if (resourceVersion === undefined) this.applied.delete(refKey(ref));
    else this.applied.set(refKey(ref), { digest, resourceVersion });
  }

  /**
   * The watched object when applying `digest` again cannot change it: our
   * last apply sent the same desired object and nobody wrote it since (any
   * write, the controller-manager's status updates included, moves the
   * resourceVersion the watch shows). Undefined means: apply.
   */
  unchangedSinceApply(ref: ObjectRef, digest: string): KubeObject | undefined {
    const last = this.applied.get(refKey(ref));
    if (last === undefined || last.digest !== digest) return undefined;
    const current = this.get(ref);
    return current?.metadata.resourceVersion === last.resourceVersion ? current : undefined;
  }

  /** Objects held, for tests and metrics. */
  get size(): number {
    return this.ownerOf.size;
  }
}

/**
 * What the controller reads of a child, nothing more: its identity and
 * versions, the controlling owner reference, our field manager's Apply
 * entry (its time tells created/updated apart), the deletion mark, and of
 * a Deployment the replica counts of its spec and status.
 */
export function slimChild(object: KubeObject): KubeObject {
  const m = object.metadata;
  const owner = controllerOf(object);
  const ours = ourApplyEntry(object);
  const metadata: ObjectMeta = defined({
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    generation: m.generation,
    creationTimestamp: m.creationTimestamp,
    deletionTimestamp: m.deletionTimestamp,
    ownerReferences: owner === undefined ? undefined : [owner],
    managedFields: ours === undefined ? undefined : [defined({ manager: ours.manager, operation: ours.operation, time: ours.time })],
  });
  const slim: KubeObject = { apiVersion: object.apiVersion, kind: object.kind, metadata };
  if (object.kind !== 'Deployment') return slim;
  const { spec, status } = object as KubeObject & DeploymentView;
  if (spec?.replicas !== undefined) slim['spec'] = { replicas: spec.replicas };
  if (status !== undefined) {
    slim['status'] = defined({ observedGeneration: status.observedGeneration, availableReplicas: status.availableReplicas, readyReplicas: status.readyReplicas });
  }
  return slim;
}

/** The object without its undefined fields. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
