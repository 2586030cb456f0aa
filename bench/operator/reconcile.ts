// The operator against the real kube-apiserver: time from creating a
// DocumentPipeline (API create) to all 19 children existing, p50/p95, for one
// pipeline at a time (repeated) and for many at once; the operator's memory
// with them all reconciled (VmHWM, VmRSS); and what an idle resync writes.
//
//   npx tsc -b && scripts/stack.sh start kafka kube && eval "$(scripts/stack.sh env)"
//   node --experimental-transform-types --no-warnings --import ./bench/stack/ts-hooks.mjs \
//     bench/operator/reconcile.ts [repeats=20] [at once=200] [resync seconds=30]
//
// Needs Kafka and the kube components running (it does not start them). The
// operator runs as a process (operator/dist/main.js) through a counting proxy
// (operator/test/stack/api-proxy.ts), without leader election, in namespaces of its own.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ApiProxy } from '../../operator/test/stack/api-proxy.ts';
import {
  childCounts,
  createNamespace,
  deleteNamespace,
  examplePipeline,
  installCrd,
  kubeRequest,
  metricValue,
  sleep,
  startOperator,
  type OperatorProcess,
} from '../../operator/test/stack/helpers.ts';

const repeats = Number(process.argv[2] ?? 20);
const atOnce = Number(process.argv[3] ?? 200);
const resyncSeconds = Number(process.argv[4] ?? 30);
const CHILDREN = 19;
const OWNED = ['serviceaccounts', 'configmaps', 'services'].map((r) => `/api/v1/namespaces/NS/${r}`).concat([
  '/apis/apps/v1/namespaces/NS/deployments',
  '/apis/networking.k8s.io/v1/namespaces/NS/ingresses',
  '/apis/networking.k8s.io/v1/namespaces/NS/networkpolicies',
  '/apis/policy/v1/namespaces/NS/poddisruptionbudgets',
  '/apis/keda.sh/v1alpha1/namespaces/NS/scaledobjects',
  '/apis/keda.sh/v1alpha1/namespaces/NS/triggerauthentications',
  '/apis/docpipe.dev/v1alpha1/namespaces/NS/documentpipelines',
]);

/** The stack's addresses, as `scripts/stack.sh env` prints them, unless already exported. */
function loadStackEnv(): void {
  if (process.env['KUBECONFIG'] && process.env['KUBECTL'] && process.env['KAFKA_BROKERS']) return;
  const stack = fileURLToPath(new URL('../../scripts/stack.sh', import.meta.url));
  for (const line of execFileSync(stack, ['env'], { encoding: 'utf8' }).split('\n')) {
    const m = /^export ([A-Z0-9_]+)='(.*)'$/.exec(line);
    if (m) process.env[m[1]!] = m[2]!;
  }
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const ms = (n: number) => `${n.toFixed(0)} ms`;

function summary(latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  return `p50 ${ms(percentile(sorted, 50))}, p95 ${ms(percentile(sorted, 95))}, max ${ms(sorted.at(-1)!)} (n=${sorted.length})`;
}

async function createPipeline(namespace: string, name: string): Promise<void> {
  await kubeRequest('POST', `/apis/docpipe.dev/v1alpha1/namespaces/${namespace}/documentpipelines`, parse(examplePipeline(namespace, name)), 'application/json');
}

/** Polls the children until each named pipeline has all of them; returns when each was first seen complete. */
async function completions(namespace: string, names: readonly string[], everyMs: number, boundMs: number): Promise<Map<string, number>> {
  const done = new Map<string, number>();
  const deadline = performance.now() + boundMs;
  while (done.size < names.length) {
    const counts = await childCounts(namespace);
    const now = performance.now();
    for (const n of names) if (!done.has(n) && counts.get(n) === CHILDREN) done.set(n, now);
    if (now > deadline) throw new Error(`${names.length - done.size} pipelines incomplete after ${boundMs} ms`);
    if (done.size < names.length) await sleep(everyMs);
  }
  return done;
}

async function withOperator<T>(prefix: string, resync: number, run: (ns: string, op: OperatorProcess, proxy: ApiProxy) => Promise<T>): Promise<T> {
  const namespace = createNamespace(prefix);
  const proxy = await ApiProxy.start();
  const op = await startOperator({ namespace, leaderElect: false, resyncSeconds: resync, env: { KUBECONFIG: proxy.kubeconfig, LOG_LEVEL: 'warn' } });
  try {
    return await run(namespace, op, proxy);
  } finally {
    await op.stop();
    await proxy.close();
    deleteNamespace(namespace);
  }
}

/** One pipeline at a time: create, wait for its 19 children (polled every 20 ms), next. */
async function oneAtATime(): Promise<number[]> {
  return withOperator('bench-op-one', 3600, async (namespace) => {
    const latencies: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const name = `one-${i}`;
      const started = performance.now();
      await createPipeline(namespace, name);
      const done = await completions(namespace, [name], 20, 60_000);
      latencies.push(done.get(name)! - started);
    }
    return latencies;
  });
}

/** The operator's RSS (peak and now) and its V8 heap (used and committed, from its /metrics). */
async function memory(op: OperatorProcess): Promise<string> {
  const status = readFileSync(`/proc/${op.child.pid!}/status`, 'utf8');
  const field = (f: string) => Number(/\d+/.exec(status.split('\n').find((l) => l.startsWith(f)) ?? '0')![0]) / 1024;
  const mib = async (name: string) => ((await metricValue(op.url, name)) / 1048576).toFixed(0);
  const heap = `heap used ${await mib('nodejs_heap_size_used_bytes')} of ${await mib('nodejs_heap_size_total_bytes')} MiB`;
  return `VmHWM ${field('VmHWM:').toFixed(0)} MiB, VmRSS ${field('VmRSS:').toFixed(0)} MiB (${heap})`;
}

/** Every resourceVersion of the namespace's pipelines and children. */
async function versions(namespace: string): Promise<Map<string, string>> {
  const lists = await Promise.all(OWNED.map((p) => kubeRequest<{ items: Array<{ metadata: { uid: string; resourceVersion: string } }> }>('GET', p.replace('NS', namespace))));
  return new Map(lists.flatMap((l) => l.items).map((i) => [i.metadata.uid, i.metadata.resourceVersion]));
}

interface ManyResult {
  latencies: number[];
  allMs: number;
  memory: string;
  objects: number;
  changed: number;
  writes: Record<string, number>;
  reconciles: number;
  idleSeconds: number;
}

/** Waits until every pipeline was reconciled once more (a resync). */
async function resyncOnce(op: OperatorProcess): Promise<void> {
  const r0 = await metricValue(op.url, 'docpipe_operator_reconcile_total');
  while ((await metricValue(op.url, 'docpipe_operator_reconcile_total')) < r0 + atOnce) await sleep(1000);
}

/** Many pipelines created at once (16 requests in flight), then an idle resync observed. */
async function manyAtOnce(): Promise<ManyResult> {
  return withOperator('bench-op-many', resyncSeconds, async (namespace, op, proxy) => {
    const names = Array.from({ length: atOnce }, (_, i) => `many-${String(i).padStart(3, '0')}`);
    const created = new Map<string, number>();
    const queue = [...names];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
          created.set(n, performance.now());
          await createPipeline(namespace, n);
        }
      }),
    );
    const done = await completions(namespace, names, 250, 15 * 60_000);
    const allMs = Math.max(...done.values()) - t0;
    const latencies = names.map((n) => done.get(n)! - created.get(n)!);
    // Settle: the controller-manager makes ReplicaSets and pods for every Deployment and the
    // operator writes the statuses that follow; idle = one whole resync in which no resourceVersion moved.
    let before = await versions(namespace);
    for (;;) {
      await resyncOnce(op);
      const now = await versions(namespace);
      if (now.size === before.size && [...now].every(([uid, rv]) => before.get(uid) === rv)) break;
      before = now;
    }
    const mem = await memory(op);
    const sent = proxy.requests.length;
    const r0 = await metricValue(op.url, 'docpipe_operator_reconcile_total');
    const idleStart = performance.now();
    while ((await metricValue(op.url, 'docpipe_operator_reconcile_total')) < r0 + 2 * atOnce) await sleep(1000);
    const idleSeconds = (performance.now() - idleStart) / 1000;
    const after = await versions(namespace);
    const changed = [...before].filter(([uid, rv]) => after.get(uid) !== rv).length + Math.abs(after.size - before.size);
    const writes: Record<string, number> = {};
    for (const r of proxy.requests.slice(sent)) {
      if (r.method === 'GET') continue;
      const what = `${r.method} ${r.path.endsWith('/status') ? 'status' : r.path.split('/').at(-2)}`;
      writes[what] = (writes[what] ?? 0) + 1;
    }
    const reconciles = (await metricValue(op.url, 'docpipe_operator_reconcile_total')) - r0;
    return { latencies, allMs, memory: mem, objects: before.size, changed, writes, reconciles, idleSeconds };
  });
}

/** Service IPs still free (each pipeline takes 2; scripts/kube.sh gives the API server a /16). */
async function freeServiceIps(): Promise<number> {
  const cidrs = await kubeRequest<{ items: Array<{ spec: { cidrs: string[] } }> }>('GET', '/apis/networking.k8s.io/v1/servicecidrs');
  const size = cidrs.items.flatMap((c) => c.spec.cidrs).filter((c) => !c.includes(':')).reduce((n, c) => n + 2 ** (32 - Number(c.split('/')[1])) - 2, 0);
  const used = (await kubeRequest<{ items: unknown[] }>('GET', '/apis/networking.k8s.io/v1/ipaddresses')).items.length;
  return size - used;
}

async function main(): Promise<void> {
  loadStackEnv();
  installCrd();
  const free = await freeServiceIps();
  if (2 * (atOnce + repeats) > free) {
    throw new Error(`${atOnce + repeats} pipelines need ${2 * (atOnce + repeats)} Service IPs; the API server has ${free} free (widen --service-cluster-ip-range)`);
  }
  process.stdout.write(`operator reconcile: ${cpus().length}× ${cpus()[0]?.model.trim()}, node ${process.version}, load average at start ${load()}\n\n`);
  if (repeats > 0) {
    const one = await oneAtATime();
    process.stdout.write(`| 1 pipeline at a time, API create → 19 children (polled every 20 ms) | ${summary(one)} | load ${load()} |\n`);
  }
  const many = await manyAtOnce();
  process.stdout.write(`| ${atOnce} pipelines at once, API create → 19 children each (polled every 250 ms) | ${summary(many.latencies)}; all ${atOnce} in ${(many.allMs / 1000).toFixed(1)} s | load ${load()} |\n`);
  process.stdout.write(`| operator memory with ${atOnce} pipelines reconciled | ${many.memory} | |\n`);
  process.stdout.write(
    `| idle resync of ${atOnce} pipelines (${many.reconciles} reconciles in ${many.idleSeconds.toFixed(1)} s, RESYNC_SECONDS=${resyncSeconds}) | ` +
      `${many.changed} of ${many.objects} resourceVersions changed; requests other than GET: ${JSON.stringify(many.writes)} | load ${load()} |\n`,
  );
}

await main();
