import { controllerOf, refKey } from './desired.js';
import type { KubeObject, ObjectRef, WatchEventType } from './ports.js';

/**
 * The children the watches have seen, by owning pipeline (uid): what prune
 * compares with the desired objects, and what change detection compares an
 * apply's result with. Fed by watch events; never written by reconciles.
 */
export class OwnedIndex {
  private readonly byOwner = new Map<string, Map<string, KubeObject>>();
  private readonly ownerOf = new Map<string, string>();

  /** Records a watch event; returns the controlling pipeline as `namespace/name`, if any. */
  observe(type: WatchEventType, object: KubeObject): string | undefined {
    const key = refKey(object);
    const owner = controllerOf(object);
    const previousUid = this.ownerOf.get(key);
    if (previousUid !== undefined && (type === 'deleted' || previousUid !== owner?.uid)) {
      this.byOwner.get(previousUid)?.delete(key);
      if (this.byOwner.get(previousUid)?.size === 0) this.byOwner.delete(previousUid);
      this.ownerOf.delete(key);
    }
    if (owner === undefined) return undefined;
    if (type !== 'deleted') {
      const children = this.byOwner.get(owner.uid) ?? new Map<string, KubeObject>();
      children.set(key, object);
      this.byOwner.set(owner.uid, children);
      this.ownerOf.set(key, owner.uid);
    }
    return `${object.metadata.namespace ?? ''}/${owner.name}`;
  }

  /** The children of the pipeline with this uid. */
  ownedBy(uid: string): KubeObject[] {
    return [...(this.byOwner.get(uid)?.values() ?? [])];
  }

  /** The last seen version of an object. */
  get(ref: ObjectRef): KubeObject | undefined {
    const uid = this.ownerOf.get(refKey(ref));
    return uid === undefined ? undefined : this.byOwner.get(uid)?.get(refKey(ref));
  }

  /** Objects held, for tests and metrics. */
  get size(): number {
    return this.ownerOf.size;
  }
}
