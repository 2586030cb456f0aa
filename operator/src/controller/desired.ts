import { pipelineManifests } from '@docpipe/cdk8s';
import { API_VERSION, KIND, type DocumentPipeline } from '@docpipe/operator-api';
import { FIELD_MANAGER, type KubeObject, type ManagedFieldsEntry, type ObjectRef, type OwnerReference } from './ports.js';

/** The kinds a pipeline owns: what the operator watches, applies and prunes. */
export const OWNED_KINDS: ReadonlyArray<{ apiVersion: string; kind: string }> = [
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject' },
  { apiVersion: 'keda.sh/v1alpha1', kind: 'TriggerAuthentication' },
];

/** The owner reference every child carries: the pipeline is its controller, and foreground deletion waits for it. */
export function ownerReference(pipeline: DocumentPipeline): OwnerReference {
  const uid = pipeline.metadata.uid;
  if (uid === undefined) throw new Error(`pipeline ${pipeline.metadata.name} has no uid (not read from the API server)`);
  return { apiVersion: API_VERSION, kind: KIND, name: pipeline.metadata.name, uid, controller: true, blockOwnerDeletion: true };
}

/** Every child of the pipeline as it should be (the cdk8s builders), in its namespace, owned by it. */
export function desiredChildren(pipeline: DocumentPipeline): KubeObject[] {
  const owner = ownerReference(pipeline);
  return pipelineManifests(pipeline).map((manifest) => {
    const object = manifest as unknown as KubeObject;
    const metadata = { ...object.metadata, namespace: pipeline.metadata.namespace, ownerReferences: [owner] };
    return { ...object, metadata };
  });
}

/** `apiVersion/kind/namespace/name`: one object's identity. */
export function refKey(ref: ObjectRef | KubeObject): string {
  const r = 'metadata' in ref ? { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.metadata.namespace, name: ref.metadata.name } : ref;
  return `${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

/** The reference of an object. */
export function refOf(object: KubeObject): ObjectRef {
  const { apiVersion, kind } = object;
  const { name, namespace } = object.metadata;
  return namespace === undefined ? { apiVersion, kind, name } : { apiVersion, kind, namespace, name };
}

/** What to delete: owned objects no longer desired (e.g. the Ingress after spec.gateway.ingress was removed). */
export function toPrune(owned: readonly KubeObject[], desired: readonly KubeObject[]): KubeObject[] {
  const wanted = new Set(desired.map(refKey));
  return owned.filter((o) => !wanted.has(refKey(o)) && o.metadata.deletionTimestamp === undefined);
}

/** The pipeline that controls `object`, if a DocumentPipeline does. */
export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === KIND && r.apiVersion.startsWith('docpipe.dev/'));
}

/** Our server-side-apply entry in the object's managedFields (its time is when our applies last changed the object). */
export function ourApplyEntry(object: KubeObject | undefined): ManagedFieldsEntry | undefined {
  return object?.metadata.managedFields?.find((m) => m.manager === FIELD_MANAGER && m.operation === 'Apply' && m.subresource === undefined);
}
