import type { DocumentPipeline, DocumentPipelineStatus, KafkaSpec } from '@docpipe/operator-api';
import type { Logger } from '@docpipe/runtime';

/** The operator's one field manager (server-side apply) and the finalizer it holds for external resources. */
export const FIELD_MANAGER = 'docpipe-operator';
export const EXTERNAL_FINALIZER = 'docpipe.dev/external-resources';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
}

/** One manager's entry in metadata.managedFields (the fields the operator reads). */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  subresource?: string;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Any Kubernetes object, as plain JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Which object: kind and apiVersion pick the resource. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** An Event about an object (events.k8s.io/v1). */
export interface EventRecord {
  regarding: ObjectRef & { uid?: string };
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, e.g. Created, ApplyFailed. */
  reason: string;
  /** What the operator did, e.g. Apply, Delete, Reconcile. */
  action: string;
  note: string;
}

/** Thrown by a KubeApi when a write lost an optimistic-concurrency race (HTTP 409). */
export class ConflictError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

/** The Kubernetes API as the controller needs it; the adapter is client-node (adapters/kube). */
export interface KubeApi {
  /** The object, or undefined when it does not exist. */
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** Objects of a kind, in one namespace or all (namespace undefined), matching a label selector. */
  list(apiVersion: string, kind: string, options?: { namespace?: string; labelSelector?: string }): Promise<KubeObject[]>;
  /** Server-side apply with field manager 'docpipe-operator' and force; returns the object as stored. */
  apply(object: KubeObject): Promise<KubeObject>;
  /** Deletes (background propagation); false when it was already gone. */
  delete(ref: ObjectRef): Promise<boolean>;
  /** Replaces what the operator owns of the /status subresource with `status` (server-side apply). */
  patchStatus(ref: ObjectRef, status: Record<string, unknown>): Promise<void>;
  /** Adds `finalizer` to metadata.finalizers (no-op when present). */
  addFinalizer(ref: ObjectRef, finalizer: string): Promise<void>;
  /** Removes `finalizer` from metadata.finalizers (no-op when absent or the object is gone). */
  removeFinalizer(ref: ObjectRef, finalizer: string): Promise<void>;
  /** A Secret's data, decoded; undefined when it does not exist. */
  readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** Writes an Event; never throws (an Event is not worth failing a reconcile for). */
  recordEvent(event: EventRecord): Promise<void>;
}

export type WatchEventType = 'added' | 'modified' | 'deleted';

/** A running list+watch of one kind. */
export interface WatchHandle {
  /** Resolves once the first list has been delivered. */
  synced(): Promise<void>;
  /** True once the first list has been delivered. */
  isSynced(): boolean;
  stop(): Promise<void>;
}

/** What the controller watches with. */
export interface KubeWatcher {
  /** Lists then watches `kind`, restarting on errors with backoff (410 Gone: relist); every object goes to `onEvent`. */
  watch(
    kind: { apiVersion: string; kind: string },
    options: { namespace?: string; labelSelector?: string },
    onEvent: (type: WatchEventType, object: KubeObject) => void,
  ): WatchHandle;
}

/** A coordination.k8s.io/v1 Lease's spec, times as Date. */
export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: Date;
  renewTime?: Date;
  leaseTransitions?: number;
  /** Opaque; an update with a stale one throws ConflictError. */
  resourceVersion?: string;
}

/** The Lease the replicas elect a leader with. */
export interface LeaseStore {
  get(): Promise<LeaseRecord | undefined>;
  /** Creates it; ConflictError when another replica did first. */
  create(lease: LeaseRecord): Promise<LeaseRecord>;
  /** Updates it (resourceVersion checked); ConflictError when it changed meanwhile. */
  update(lease: LeaseRecord): Promise<LeaseRecord>;
}

/** A topic as the pipeline wants it. */
export interface TopicWanted {
  topic: string;
  partitions: number;
  replicationFactor: number;
  retentionMs: number;
}

export interface TopicsOutcome {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/** A pipeline's Kafka cluster: its spec, the SCRAM credentials, the region for MSK IAM. */
export interface KafkaCluster {
  kafka: KafkaSpec;
  credentials?: KafkaCredentials;
  region: string;
}

/** Kafka topic administration for one pipeline's cluster. */
export interface TopicAdmin {
  /** Creates what is missing and grows partitions; never shrinks or deletes. */
  ensureTopics(cluster: KafkaCluster, topics: TopicWanted[]): Promise<TopicsOutcome>;
}

/** SCRAM credentials read from the pipeline's Secret. */
export interface KafkaCredentials {
  username: string;
  password: string;
}

export interface PartContext {
  now(): Date;
  logger: Logger;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** The pipeline's status as read: what the part reported last time (e.g. where its resources are). */
  previous?: DocumentPipelineStatus;
}

export interface PartOutcome {
  condition: { status: 'True' | 'False' | 'Unknown'; reason: string; message: string };
  status?: Partial<DocumentPipelineStatus>; // merged into .status (connector, steps)
  requeueAfterMs?: number; // e.g. poll a CREATING connector, the next cron time
  /**
   * The resource is in trouble the part handles itself (a FAILED connector it
   * will recreate, an ended step it will resubmit, on its own backoff through
   * requeueAfterMs): the pipeline is Degraded with the condition's message,
   * without the reconcile counting as failed.
   */
  degraded?: boolean;
}

/** An external (AWS) part of a pipeline: reconciled after the in-cluster children, finalized on delete. */
export interface ExternalPart {
  readonly conditionType: 'ArchiveReady' | 'AnalyticsReady';
  /** The .status fields the part reports; dropped once the part is no longer wanted and has removed what it made. */
  readonly statusFields: readonly ('connector' | 'steps')[];
  /** Whether this pipeline uses the part (e.g. spec.archive set and enabled). */
  wants(p: DocumentPipeline): boolean;
  reconcile(p: DocumentPipeline, ctx: PartContext): Promise<PartOutcome>;
  /** Deletes what the part made for p; resolves true when it is gone (then the finalizer may go). */
  finalize(p: DocumentPipeline, ctx: PartContext): Promise<boolean>;
}

/** A clock, injected so tests control time. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

/** The process clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
