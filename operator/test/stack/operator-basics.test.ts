import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  examplePipeline,
  getJson,
  getPipeline,
  kubectl,
  markPodsReady,
  metricValue,
  OWNED_RESOURCES,
  resourceVersions,
  waitFor,
  waitForCondition,
  type OperatorProcess,
} from './helpers.js';
import { startOperatorSuite, type OperatorSuite } from './suite.js';

// The operator as a process against the real kube-apiserver and controller-manager
// (DOCPIPE_STACK_COMPONENTS='kafka kube'): apply → children → Ready, and an idle resync writes nothing.

interface Child {
  kind: string;
  metadata: { name: string; labels: Record<string, string>; ownerReferences?: Array<Record<string, unknown>> };
}

const NAME = 'docpipe';
let suite: OperatorSuite | undefined;
let namespace: string;
let operator: OperatorProcess;

beforeAll(async () => {
  suite = await startOperatorSuite('op-basics', { operator: { resyncSeconds: 2 } });
  ({ namespace, operator } = suite);
});

afterAll(async () => {
  expect(await suite?.close()).toBe(0); // graceful: drained, Lease released
});

describe('the operator against a real API server', () => {
  it('creates every child with owner references, reports what is missing, then Ready', async () => {
    kubectl(['apply', '-f', '-'], examplePipeline(namespace, NAME));
    const uid = getPipeline(namespace, NAME).metadata.uid;
    const children = await waitFor('19 children', () => {
      const items = getJson<{ items: Child[] }>([OWNED_RESOURCES, '-n', namespace, '-l', `app.kubernetes.io/instance=${NAME}`]).items;
      return items.length >= 19 ? items : undefined;
    });
    const kinds = children.map((c) => `${c.kind}/${c.metadata.name}`).sort();
    expect(kinds).toEqual(
      [
        'ConfigMap/docpipe-config',
        'ServiceAccount/docpipe-workload',
        'Service/docpipe-gateway',
        'Service/docpipe-ingest',
        'Ingress/docpipe-gateway',
        'ScaledObject/docpipe-docproc',
        'ScaledObject/docpipe-embedding',
        ...['gateway', 'ingest', 'docproc', 'embedding'].flatMap((c) => [`Deployment/docpipe-${c}`, `NetworkPolicy/docpipe-${c}`, `PodDisruptionBudget/docpipe-${c}`]),
      ].sort(),
    );
    for (const child of children) {
      expect(child.metadata.ownerReferences).toEqual([
        { apiVersion: 'docpipe.dev/v1alpha1', kind: 'DocumentPipeline', name: NAME, uid, controller: true, blockOwnerDeletion: true },
      ]);
      expect(child.metadata.labels['app.kubernetes.io/managed-by']).toBe('docpipe-operator');
    }

    // No kubelet: nothing is available yet, and the status says which parts wait.
    // First "generation not observed" until the controller-manager has looked at the Deployments, then this:
    const waiting = await waitForCondition({ namespace, name: NAME }, 'Ready', 'False', { message: /GatewayReady: 0\/2 replicas available/ });
    expect(waiting.reason).toBe('PartsNotReady');
    expect((await waitForCondition({ namespace, name: NAME }, 'TopicsReady', 'True')).message).toMatch(/^5 topics/);

    await waitFor('the pods of every Deployment', () => (markPodsReady(namespace) >= 6 ? true : undefined));
    const ready = await waitForCondition({ namespace, name: NAME }, 'Ready', 'True');
    expect(ready.reason).toBe('AllPartsReady');
    // Ready needs one available replica per component; the counts follow as the controllers catch up.
    const want = JSON.stringify({ docproc: 1, embedding: 1, gateway: 2, ingest: 2 });
    const status = await waitFor('every replica ready', () => {
      const s = getPipeline(namespace, NAME).status!;
      return JSON.stringify(Object.fromEntries(Object.entries(s.replicas ?? {}).sort())) === want ? s : undefined;
    });
    expect(status.uploadUrl).toBe('https://docs.acme.example/ingest/upload');
    expect(status.conditions!.find((c) => c.type === 'Degraded')!.status).toBe('False');
  });

  it('writes nothing on an idle resync: every resourceVersion stays', async () => {
    await waitForCondition({ namespace, name: NAME }, 'Ready', 'True');
    // Let the reconciles triggered by the pods' readiness settle: two reconciles in a row without a write.
    const before = await waitFor('a quiet cluster', async () => {
      const a = resourceVersions(namespace);
      const start = await metricValue(operator.url, 'docpipe_operator_reconcile_total');
      await waitFor('a resync', async () => ((await metricValue(operator.url, 'docpipe_operator_reconcile_total')) >= start + 1 ? true : undefined));
      const b = resourceVersions(namespace);
      return [...a].every(([k, v]) => b.get(k) === v) && a.size === b.size ? b : undefined;
    });
    const reconciles = await metricValue(operator.url, 'docpipe_operator_reconcile_total');
    await waitFor('three more resyncs', async () => ((await metricValue(operator.url, 'docpipe_operator_reconcile_total')) >= reconciles + 3 ? true : undefined));
    const after = resourceVersions(namespace);
    expect(before.size).toBe(20); // the pipeline and its 19 children
    expect(Object.fromEntries(after)).toEqual(Object.fromEntries(before));
    expect(await metricValue(operator.url, 'docpipe_operator_reconcile_errors_total')).toBe(0);
  });
});
