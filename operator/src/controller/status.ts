import { childName, PORTS, type Component } from '@docpipe/cdk8s';
import { CONDITION_TYPES, type Condition, type DocumentPipeline, type DocumentPipelineStatus } from '@docpipe/operator-api';
import type { KubeObject } from './ports.js';

export type ConditionType = (typeof CONDITION_TYPES)[number];
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** The state of one part, before timestamps. */
export interface PartCondition {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Something that went wrong in a reconcile: makes the pipeline Degraded and not Ready. */
export interface ReconcileProblem {
  reason: string;
  message: string;
}

export const COMPONENT_CONDITION: Readonly<Record<Component, ConditionType>> = {
  gateway: 'GatewayReady',
  ingest: 'IngestReady',
  docproc: 'DocprocReady',
  embedding: 'EmbeddingReady',
};

/** The fields of a Deployment the controller reads (and all that slimChild keeps of one, metadata aside). */
export interface DeploymentView {
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; availableReplicas?: number; readyReplicas?: number };
}

/**
 * Whether a component's Deployment serves: the controller has seen its
 * current generation and at least one replica is available. A worker that
 * KEDA scaled to zero (replicas 0, minReplicas 0) is ready: it is idle, not broken.
 */
export function deploymentCondition(component: Component, deployment: KubeObject | undefined, minReplicas?: number): PartCondition {
  const type = COMPONENT_CONDITION[component];
  if (deployment === undefined) return { type, status: 'False', reason: 'NotFound', message: `Deployment for ${component} does not exist yet` };
  const { generation, observed, wanted, available } = deploymentNumbers(deployment as DeploymentView);
  if (observed < generation) {
    return { type, status: 'False', reason: 'RolloutPending', message: `generation ${generation} not observed yet (at ${observed})` };
  }
  if (wanted === 0 && minReplicas === 0) return { type, status: 'True', reason: 'ScaledToZero', message: 'scaled to zero while idle' };
  if (available >= 1) return { type, status: 'True', reason: 'Available', message: `${available}/${wanted} replicas available` };
  return { type, status: 'False', reason: 'Unavailable', message: `0/${wanted} replicas available` };
}

function deploymentNumbers(d: DeploymentView) {
  return {
    generation: d.metadata?.generation ?? 0,
    observed: d.status?.observedGeneration ?? 0,
    wanted: d.spec?.replicas ?? 1,
    available: d.status?.availableReplicas ?? 0,
  };
}

/** Ready replicas of a Deployment (0 when missing). */
export function readyReplicas(deployment: KubeObject | undefined): number {
  return (deployment as DeploymentView | undefined)?.status?.readyReplicas ?? 0;
}

/** The three summary conditions of the parts and the problems. */
export function summarize(parts: readonly PartCondition[], problems: readonly ReconcileProblem[]): PartCondition[] {
  const waiting = parts.filter((p) => p.status !== 'True');
  const describe = (list: readonly PartCondition[]) => list.map((p) => `${p.type}: ${p.message}`).join('; ');
  if (problems.length > 0) {
    const message = problems.map((p) => p.message).join('; ');
    const reason = problems[0]!.reason;
    return [
      { type: 'Ready', status: 'False', reason, message },
      { type: 'Progressing', status: 'False', reason, message: 'retrying with backoff' },
      { type: 'Degraded', status: 'True', reason, message },
    ];
  }
  if (waiting.length > 0) {
    return [
      { type: 'Ready', status: 'False', reason: 'PartsNotReady', message: describe(waiting) },
      { type: 'Progressing', status: 'True', reason: 'WaitingForParts', message: describe(waiting) },
      { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'no errors' },
    ];
  }
  return [
    { type: 'Ready', status: 'True', reason: 'AllPartsReady', message: 'every part is ready' },
    { type: 'Progressing', status: 'False', reason: 'ReconcileComplete', message: 'the cluster matches the spec' },
    { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'no errors' },
  ];
}

/** metav1.Time: RFC 3339 in whole seconds. */
export function kubeTime(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Conditions with timestamps: lastTransitionTime moves only when a
 * condition's status flips, so an unchanged reconcile yields equal conditions.
 */
export function stampConditions(next: readonly PartCondition[], previous: readonly Condition[], now: Date, generation?: number): Condition[] {
  const order = (type: string) => CONDITION_TYPES.indexOf(type as ConditionType);
  return next
    .map((c) => {
      const before = previous.find((p) => p.type === c.type);
      const lastTransitionTime = before !== undefined && before.status === c.status ? before.lastTransitionTime : kubeTime(now);
      return { ...c, ...(generation !== undefined ? { observedGeneration: generation } : {}), lastTransitionTime };
    })
    .sort((a, b) => order(a.type) - order(b.type));
}

/** Where clients upload: the Ingress host (https with TLS or an ALB certificate), else the in-cluster Service. */
export function uploadUrl(pipeline: DocumentPipeline): string {
  const ingress = pipeline.spec.gateway.ingress;
  if (ingress !== undefined) {
    const https = ingress.tls !== undefined || ingress.annotations['alb.ingress.kubernetes.io/certificate-arn'] !== undefined;
    return `${https ? 'https' : 'http'}://${ingress.host}/ingest/upload`;
  }
  const namespace = pipeline.metadata.namespace ?? 'default';
  return `http://${childName(pipeline, 'gateway')}.${namespace}.svc:${PORTS.gateway.port}/ingest/upload`;
}

export interface StatusInput {
  generation?: number;
  previous?: DocumentPipelineStatus;
  now: Date;
  /** One condition per part evaluated this time. */
  parts: readonly PartCondition[];
  problems: readonly ReconcileProblem[];
  /** Part conditions of `previous` not evaluated this time are kept (e.g. the spec is invalid). */
  keepPreviousParts?: boolean;
  replicas?: DocumentPipelineStatus['replicas'];
  uploadUrl?: string;
  /** What external parts report (connector, steps), laid over the previous values. */
  external?: readonly Partial<DocumentPipelineStatus>[];
}

/** The whole status of a pipeline: a pure function of what the reconcile saw. */
export function buildStatus(input: StatusInput): DocumentPipelineStatus {
  const previousConditions = input.previous?.conditions ?? [];
  const next = [...summarize(input.parts, input.problems), ...input.parts, ...carriedParts(input)];
  const status: DocumentPipelineStatus = {
    ...(input.generation !== undefined ? { observedGeneration: input.generation } : {}),
    conditions: stampConditions(next, previousConditions, input.now, input.generation),
  };
  const replicas = input.replicas ?? input.previous?.replicas;
  if (replicas !== undefined) status.replicas = replicas;
  const url = input.uploadUrl ?? input.previous?.uploadUrl;
  if (url !== undefined) status.uploadUrl = url;
  return { ...status, ...externalStatus(input) };
}

/** connector and steps: the previous values with what the parts report laid over them; undefined ones dropped. */
function externalStatus(input: StatusInput): Partial<DocumentPipelineStatus> {
  const merged = Object.assign({}, pick(input.previous), ...(input.external ?? []).map(pick)) as Partial<DocumentPipelineStatus>;
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined));
}

const SUMMARY = new Set(['Ready', 'Progressing', 'Degraded']);

/** The previous part conditions not evaluated this time, when asked to keep them. */
function carriedParts(input: StatusInput): PartCondition[] {
  if (!input.keepPreviousParts) return [];
  const evaluated = new Set<string>(input.parts.map((p) => p.type));
  return (input.previous?.conditions ?? []).filter((c) => !evaluated.has(c.type) && !SUMMARY.has(c.type)).map(toPart);
}

function toPart(c: Condition): PartCondition {
  return { type: c.type as ConditionType, status: c.status, reason: c.reason, message: c.message };
}

function pick(status: Partial<DocumentPipelineStatus> | undefined): Partial<DocumentPipelineStatus> {
  if (status === undefined) return {};
  const out: Partial<DocumentPipelineStatus> = {};
  if ('connector' in status) out.connector = status.connector;
  if ('steps' in status) out.steps = status.steps;
  return out;
}

/** JSON with sorted keys and no undefined: equal for equal data whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Deep equality of two statuses (nothing ignored), so an idle resync writes nothing. */
export function statusEqual(a: DocumentPipelineStatus | undefined, b: DocumentPipelineStatus | undefined): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b ?? {});
}
