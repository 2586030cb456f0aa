import { ConsumerGroups, Topics } from '@docpipe/contracts';
import type { DocumentPipeline } from '@docpipe/operator-api';

/** The four services of a pipeline. */
export type Component = 'gateway' | 'ingest' | 'docproc' | 'embedding';
export const COMPONENTS: readonly Component[] = ['gateway', 'ingest', 'docproc', 'embedding'];
export type Worker = 'docproc' | 'embedding';
export const WORKERS: readonly Worker[] = ['docproc', 'embedding'];

/** The port each service serves /healthz and /readyz on (README: PORT, OPS_PORT defaults). */
export const PORTS: Readonly<Record<Component, { name: string; port: number; env: 'PORT' | 'OPS_PORT' }>> = {
  gateway: { name: 'http', port: 8080, env: 'PORT' },
  ingest: { name: 'http', port: 8081, env: 'PORT' },
  docproc: { name: 'ops', port: 9090, env: 'OPS_PORT' },
  embedding: { name: 'ops', port: 9091, env: 'OPS_PORT' },
};

/** What a worker consumes, from services/contracts: KEDA scales on this group's lag on this topic. */
export const WORKER_INPUT: Readonly<Record<Worker, { topic: string; consumerGroup: string }>> = {
  docproc: { topic: Topics.documentsRaw, consumerGroup: ConsumerGroups.docproc },
  embedding: { topic: Topics.chunksProcessed, consumerGroup: ConsumerGroups.embedding },
};

export const PART_OF = 'docpipe';
export const MANAGED_BY = 'docpipe-operator';

/** `<pipeline>-<component>`: every child's name; no hash, no counter. */
export function childName(pipeline: DocumentPipeline, component: string): string {
  return `${pipeline.metadata.name}-${component}`;
}

/** The labels that pick a component's pods (Deployment selector, Service, NetworkPolicy, PDB). */
export function selectorLabels(pipeline: DocumentPipeline, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': PART_OF,
    'app.kubernetes.io/instance': pipeline.metadata.name,
    'app.kubernetes.io/component': component,
  };
}

/** Every label of a child: the selector labels plus part-of and managed-by. */
export function childLabels(pipeline: DocumentPipeline, component: string): Record<string, string> {
  return { ...selectorLabels(pipeline, component), 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/managed-by': MANAGED_BY };
}

/** The image of a component: its own, else `<repository>/<component>:<tag>` (the CRD guarantees one of the two). */
export function imageOf(pipeline: DocumentPipeline, component: Component): string {
  const images = pipeline.spec.images;
  const own = images[component];
  if (own !== undefined) return own;
  if (images.repository === undefined || images.tag === undefined) {
    throw new Error(`spec.images: no image for ${component} (set images.${component}, or repository and tag)`);
  }
  return `${images.repository}/${component}:${images.tag}`;
}
