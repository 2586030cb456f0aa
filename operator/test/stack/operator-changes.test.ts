import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiProxy } from './api-proxy.js';
import {
  childObjects,
  examplePipeline,
  kubectl,
  markPodsReady,
  metricValue,
  resourceVersions,
  uniqueLeaseName,
  waitFor,
  waitForCondition,
  type OperatorProcess,
  type ServerObject,
} from './helpers.js';
import { startOperatorSuite, type OperatorSuite } from './suite.js';

// Spec changes, hand edits, deleted children and a deleted pipeline against the
// real API server and controller-manager; the operator talks through its own
// proxy so the test can count what it writes. RESYNC_SECONDS=2: a resync that
// changes nothing must write nothing.

const NAME = 'docpipe';
const RESYNC_SECONDS = 2;
let suite: OperatorSuite | undefined;
let namespace: string;
let operator: OperatorProcess;
let proxy: ApiProxy;

interface DeploymentView extends ServerObject {
  spec: { replicas?: number; template: { metadata: { annotations?: Record<string, string> }; spec: { containers: Array<{ image: string }> } } };
}
interface ScaledObjectView extends ServerObject {
  spec: { minReplicaCount?: number; maxReplicaCount?: number };
}

const child = <T = ServerObject>(key: string) => childObjects(namespace, NAME).get(key) as T | undefined;
const pipeline = () => ({ namespace, name: NAME });

/** Merge-patches the pipeline's spec with kubectl. */
function patchSpec(spec: Record<string, unknown>): void {
  kubectl(['patch', 'documentpipeline', NAME, '-n', namespace, '--type', 'merge', '-p', JSON.stringify({ spec })]);
}

beforeAll(async () => {
  suite = await startOperatorSuite('op-changes', { proxy: 'up', operator: { resyncSeconds: RESYNC_SECONDS, env: { LEASE_NAME: uniqueLeaseName() } } });
  ({ namespace, operator } = suite);
  proxy = suite.proxy!;
  kubectl(['apply', '-f', '-'], examplePipeline(namespace, NAME));
  await waitFor('19 children', () => (childObjects(namespace, NAME).size === 19 ? true : undefined));
  await waitFor('the pods of every Deployment', () => (markPodsReady(namespace) >= 6 ? true : undefined));
  await waitForCondition(pipeline(), 'Ready', 'True');
});

afterAll(async () => {
  expect(await suite?.close()).toBe(0);
});

describe('a changed spec', () => {
  it('moves replica bounds, image and chunk size into the ScaledObjects, Deployments and ConfigMap', async () => {
    const digestBefore = child<DeploymentView>('Deployment/docpipe-docproc')!.spec.template.metadata.annotations;
    patchSpec({
      docproc: { minReplicas: 1, maxReplicas: 5 },
      embedding: { maxReplicas: 7 },
      images: { tag: '0.2.0' },
      chunking: { maxTokens: 256, overlapTokens: 32 },
    });
    const docproc = await waitFor('the docproc ScaledObject to follow', () => {
      const so = child<ScaledObjectView>('ScaledObject/docpipe-docproc');
      return so?.spec.minReplicaCount === 1 && so.spec.maxReplicaCount === 5 ? so : undefined;
    });
    expect(docproc.spec).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 5 });
    expect(child<ScaledObjectView>('ScaledObject/docpipe-embedding')!.spec.maxReplicaCount).toBe(7);
    for (const c of ['gateway', 'ingest', 'docproc', 'embedding']) {
      const d = child<DeploymentView>(`Deployment/docpipe-${c}`)!;
      expect(d.spec.template.spec.containers.map((x) => x.image), c).toEqual([`123456789012.dkr.ecr.eu-west-1.amazonaws.com/docpipe/${c}:0.2.0`]);
    }
    const config = child<ServerObject & { data: Record<string, string> }>('ConfigMap/docpipe-config')!;
    expect(config.data).toMatchObject({ CHUNK_MAX_TOKENS: '256', CHUNK_OVERLAP_TOKENS: '32' });
    // Pods read their environment once: a new ConfigMap must roll them (the digest on the template changed).
    expect(child<DeploymentView>('Deployment/docpipe-docproc')!.spec.template.metadata.annotations).not.toEqual(digestBefore);
  });

  it('prunes the Ingress when spec.gateway.ingress is removed', async () => {
    expect(child('Ingress/docpipe-gateway')).toBeDefined();
    kubectl(['patch', 'documentpipeline', NAME, '-n', namespace, '--type', 'json', '-p', '[{"op":"remove","path":"/spec/gateway/ingress"}]']);
    await waitFor('the Ingress to go', () => (child('Ingress/docpipe-gateway') === undefined ? true : undefined));
    expect([...childObjects(namespace, NAME).keys()]).toHaveLength(18);
    expect(childObjects(namespace, NAME).has('Service/docpipe-gateway')).toBe(true);
  });
});

describe('an idle resync', () => {
  it('sends no write at all across two resync periods: no apply, status, Event, create or delete request', async () => {
    await markPodsReadyAgain();
    await waitForCondition(pipeline(), 'Ready', 'True');
    const before = await quietResourceVersions();
    const sent = proxy.requests.length;
    const reconciles = await metricValue(operator.url, 'docpipe_operator_reconcile_total');
    await waitFor('two more resyncs', async () => ((await metricValue(operator.url, 'docpipe_operator_reconcile_total')) >= reconciles + 2 ? true : undefined), 30_000);
    expect(Object.fromEntries(resourceVersions(namespace))).toEqual(Object.fromEntries(before));
    // The Lease's renewals are leader election's, not the resync's. Not even a no-op apply:
    // the operator skips a child whose desired object and resourceVersion match its last apply.
    const writes = proxy.requests.slice(sent).filter((r) => r.method !== 'GET' && !r.path.includes('/coordination.k8s.io/'));
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    // The proxy did see the operator during the resyncs (the Lease at least): the count above is not vacuous.
    expect(proxy.requests.length).toBeGreaterThan(sent);
  });
});

describe('a child changed behind the operator', () => {
  it('is recreated when deleted', async () => {
    const uid = child('Service/docpipe-ingest')!.metadata.uid;
    kubectl(['delete', 'service', 'docpipe-ingest', '-n', namespace]);
    const recreated = await waitFor('a new Service', () => {
      const s = child('Service/docpipe-ingest');
      return s !== undefined && s.metadata.uid !== uid ? s : undefined;
    });
    expect(recreated.metadata.labels?.['app.kubernetes.io/component']).toBe('ingest');
  });

  it('is restored when another field manager edits a managed field', async () => {
    const edit = (kind: string, name: string, patch: unknown) =>
      kubectl(['patch', kind, name, '-n', namespace, '--type', 'merge', '--field-manager', 'hand-edit', '-p', JSON.stringify(patch)]);
    edit('deployment', 'docpipe-gateway', { spec: { replicas: 5 } });
    edit('scaledobject.keda.sh', 'docpipe-embedding', { spec: { maxReplicaCount: 99 } });
    kubectl(['set', 'image', 'deployment/docpipe-ingest', '-n', namespace, 'ingest=busybox:latest', '--field-manager', 'hand-edit']);
    const restored = await waitFor('the managed fields back as the spec says', () => {
      const gateway = child<DeploymentView>('Deployment/docpipe-gateway');
      const ingest = child<DeploymentView>('Deployment/docpipe-ingest');
      const so = child<ScaledObjectView>('ScaledObject/docpipe-embedding');
      const ok = gateway?.spec.replicas === 2 && so?.spec.maxReplicaCount === 7 && ingest?.spec.template.spec.containers[0]!.image.endsWith(':0.2.0');
      return ok ? { gateway, ingest, so } : undefined;
    });
    expect(restored.gateway!.spec.replicas).toBe(2);
    expect(restored.so!.spec.maxReplicaCount).toBe(7);
  });
});

describe('a deleted pipeline', () => {
  it('has its children garbage-collected by the controller-manager', async () => {
    expect(childObjects(namespace, NAME).size).toBe(18);
    kubectl(['delete', 'documentpipeline', NAME, '-n', namespace, '--wait=true', '--timeout=60s']);
    await waitFor('every child to go', () => (childObjects(namespace, NAME).size === 0 ? true : undefined), 120_000);
    expect(kubectl(['get', 'documentpipelines', '-n', namespace, '-o', 'name']).trim()).toBe('');
  });
});

/** New ReplicaSets (image change) brought new pods: mark them ready too. */
async function markPodsReadyAgain(): Promise<void> {
  await waitFor('pods to mark', () => (markPodsReady(namespace) >= 6 ? true : undefined));
}

/** resourceVersions once two reads a resync apart agree (the pods' readiness settled). */
async function quietResourceVersions(): Promise<Map<string, string>> {
  return waitFor('a quiet namespace', async () => {
    const a = resourceVersions(namespace);
    const start = await metricValue(operator.url, 'docpipe_operator_reconcile_total');
    await waitFor('a resync', async () => ((await metricValue(operator.url, 'docpipe_operator_reconcile_total')) >= start + 1 ? true : undefined), 20_000);
    const b = resourceVersions(namespace);
    return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v) ? b : undefined;
  });
}
