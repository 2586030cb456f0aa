import type { Resources } from '@docpipe/operator-api';
import { Quantity, IntOrString, type Container, type PodSecurityContext, type Probe, type ResourceRequirements, type SecurityContext, type TopologySpreadConstraint } from 'cdk8s-plus-34/lib/imports/k8s.js';

/**
 * The UID the images run as (the Dockerfiles' non-root user). Set numerically
 * so the kubelet can check runAsNonRoot without reading the image.
 */
export const RUN_AS_USER = 10001;

/** Pod Security Standard `restricted` at pod level. */
export function restrictedPodSecurity(): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: RUN_AS_USER,
    runAsGroup: RUN_AS_USER,
    fsGroup: RUN_AS_USER,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Pod Security Standard `restricted` at container level, plus a read-only root filesystem. */
export function restrictedContainerSecurity(): SecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Liveness on /healthz, readiness on /readyz, and a startup allowance before liveness counts. */
export function probes(portName: string): Pick<Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe'> {
  const get = (path: string) => ({ httpGet: { path, port: IntOrString.fromString(portName) } });
  const probe = (path: string, extra: Partial<Probe>): Probe => ({ ...get(path), timeoutSeconds: 3, ...extra });
  return {
    startupProbe: probe('/healthz', { periodSeconds: 2, failureThreshold: 30 }),
    livenessProbe: probe('/healthz', { periodSeconds: 10, failureThreshold: 3 }),
    readinessProbe: probe('/readyz', { periodSeconds: 5, failureThreshold: 2 }),
  };
}

/** The spec's resources as Kubernetes quantities; unset entries stay unset. */
export function resourceRequirements(resources: Resources): ResourceRequirements {
  return { requests: quantities(resources.requests), limits: quantities(resources.limits) };
}

function quantities(values: { cpu?: string | undefined; memory?: string | undefined }): Record<string, Quantity> {
  const out: Record<string, Quantity> = {};
  if (values.cpu !== undefined) out.cpu = Quantity.fromString(values.cpu);
  if (values.memory !== undefined) out.memory = Quantity.fromString(values.memory);
  return out;
}

/**
 * Spread replicas over zones, then hosts. ScheduleAnyway: a pipeline in a
 * one-zone dev cluster still schedules; matchLabelKeys keeps a rollout's new
 * ReplicaSet from being skewed by the old one's pods.
 */
export function topologySpread(selector: Record<string, string>): TopologySpreadConstraint[] {
  return ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
    topologyKey,
    maxSkew: 1,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: selector },
    matchLabelKeys: ['pod-template-hash'],
  }));
}
