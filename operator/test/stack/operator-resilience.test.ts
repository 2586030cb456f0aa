import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiProxy } from './api-proxy.js';
import {
  childCounts,
  createNamespace,
  deleteNamespace,
  examplePipeline,
  getJson,
  installCrd,
  kubectl,
  leaseHolder,
  markAllPodsReady,
  metricValue,
  readiness,
  sleep,
  startOperator,
  uniqueLeaseName,
  waitFor,
  type OperatorProcess,
} from './helpers.js';

// The operator dies in the middle of work (kill -9) and comes back; two and
// three replicas share one Lease: exactly one reconciles, the other takes over
// when the leader dies (after the lease expires) or leaves (at once: released).

const CHILDREN = 19;
const namespaces: string[] = [];
const operators: OperatorProcess[] = [];
const proxies: ApiProxy[] = [];

afterAll(async () => {
  await Promise.all(operators.map((o) => o.stop('SIGKILL')));
  await Promise.all(proxies.map((p) => p.close()));
  for (const ns of namespaces) deleteNamespace(ns);
});

/** Leader election tuned short for the test: 8 s lease, renew deadline 6 s, retry every 1 s. */
const LEASE = { LEASE_DURATION_SECONDS: '8', RENEW_DEADLINE_SECONDS: '6', RETRY_PERIOD_SECONDS: '1' };

async function start(namespace: string, identity: string, lease: string, env: Record<string, string> = {}): Promise<OperatorProcess> {
  const op = await startOperator({ namespace, identity, env: { LEASE_NAME: lease, ...LEASE, ...env } });
  operators.push(op);
  return op;
}

/** Lines of the operator's log that record a child applied. */
function childrenApplied(op: OperatorProcess): number {
  return readFileSync(op.logPath, 'utf8').split('\n').filter((l) => l.includes('"child applied"')).length;
}

describe('kill -9 while reconciling 20 pipelines', () => {
  it('converges every pipeline after a restart: all children, then Ready', async () => {
    installCrd();
    const namespace = createNamespace('op-kill');
    namespaces.push(namespace);
    const lease = uniqueLeaseName();
    const first = await start(namespace, 'op-first', lease);
    const names = Array.from({ length: 20 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    kubectl(['apply', '-f', '-'], names.map((n) => examplePipeline(namespace, n)).join('---\n'));

    // Mid-way: some children applied, most not.
    await waitFor('the first children', () => (childrenApplied(first) >= 5 ? true : undefined), 60_000, 20);
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await childCounts(namespace);
    const completeAtKill = names.filter((n) => atKill.get(n) === CHILDREN).length;
    expect(completeAtKill).toBeLessThan(20);

    // A new replica (a new identity, as a new pod would have) waits out the dead one's Lease, then finishes the job.
    const second = await start(namespace, 'op-second', lease);
    const counts = await waitFor('19 children for every pipeline', async () => {
      const c = await childCounts(namespace);
      return names.every((n) => c.get(n) === CHILDREN) ? c : undefined;
    }, 120_000, 500);
    expect(names.map((n) => counts.get(n))).toEqual(names.map(() => CHILDREN));
    expect(leaseHolder(namespace, lease)).toBe('op-second');

    await waitFor('120 pods', async () => ((await markAllPodsReady(namespace)) >= 120 ? true : undefined), 120_000, 1000);
    const ready = await waitFor('every pipeline Ready', async () => {
      const r = await readiness(namespace);
      return names.every((n) => r.get(n) === 'True') ? r : undefined;
    }, 120_000, 1000);
    expect([...ready.values()].filter((s) => s === 'True')).toHaveLength(20);
    expect(await second.stop()).toBe(0);
  });
});

describe('two replicas on one Lease', () => {
  const NAME = 'docpipe';
  let namespace: string;
  let lease: string;
  let a: OperatorProcess;
  let b: OperatorProcess;
  let proxyB: ApiProxy;

  const imageTag = () =>
    getJson<{ spec: { template: { spec: { containers: Array<{ image: string }> } } } }>(['deployment', `${NAME}-gateway`, '-n', namespace]).spec.template.spec.containers[0]!.image.split(':').pop();
  const setTag = (tag: string) => kubectl(['patch', 'documentpipeline', NAME, '-n', namespace, '--type', 'merge', '-p', JSON.stringify({ spec: { images: { tag } } })]);

  it('elects exactly one leader; the standby is ready but reconciles and writes nothing', async () => {
    namespace = createNamespace('op-leader');
    namespaces.push(namespace);
    lease = uniqueLeaseName();
    a = await start(namespace, 'op-a', lease);
    await waitFor('op-a to lead', () => (leaseHolder(namespace, lease) === 'op-a' ? true : undefined));
    proxyB = await ApiProxy.start();
    proxies.push(proxyB);
    b = await start(namespace, 'op-b', lease, { KUBECONFIG: proxyB.kubeconfig });
    kubectl(['apply', '-f', '-'], examplePipeline(namespace, NAME));
    await waitFor('the children', async () => ((await childCounts(namespace)).get(NAME) === CHILDREN ? true : undefined));
    await sleep(3000); // a few of the standby's lease attempts

    expect(leaseHolder(namespace, lease)).toBe('op-a');
    expect(await metricValue(a.url, 'docpipe_operator_leader')).toBe(1);
    expect(await metricValue(b.url, 'docpipe_operator_leader')).toBe(0);
    expect((await fetch(`${b.url}/readyz`)).status).toBe(200); // warm standby: watches synced
    expect(await metricValue(a.url, 'docpipe_operator_reconcile_total')).toBeGreaterThan(0);
    expect(await metricValue(b.url, 'docpipe_operator_reconcile_total')).toBe(0);
    expect(proxyB.writes().map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(proxyB.requests.some((r) => r.path.endsWith(`/leases/${lease}`))).toBe(true); // it did try
  });

  it('hands over when the leader is killed: the other takes the expired Lease and reconciles a change made after the kill', async () => {
    a.child.kill('SIGKILL');
    await a.exited;
    setTag('0.3.0');
    await waitFor('op-b to lead', () => (leaseHolder(namespace, lease) === 'op-b' ? true : undefined), 8_000 + 15_000);
    await waitFor('the new image', () => (imageTag() === '0.3.0' ? true : undefined));
    expect(await metricValue(b.url, 'docpipe_operator_leader')).toBe(1);
    expect(proxyB.writes(/\/deployments\//).length).toBeGreaterThan(0);
  });

  it('releases the Lease on SIGTERM: a standby takes over well before the lease would expire', async () => {
    const c = await start(namespace, 'op-c', lease);
    await sleep(2000); // op-c sees op-b renewing
    expect(leaseHolder(namespace, lease)).toBe('op-b');
    expect(await b.stop('SIGTERM')).toBe(0);
    // Expiry would take ≥ 8 s after op-c last saw a renewal; a released Lease is taken at op-c's next try (1 s).
    await waitFor('op-c to lead', () => (leaseHolder(namespace, lease) === 'op-c' ? true : undefined), 6_000, 100);
    setTag('0.4.0');
    await waitFor('the newer image', () => (imageTag() === '0.4.0' ? true : undefined));
    expect(await c.stop()).toBe(0);
  });
});
