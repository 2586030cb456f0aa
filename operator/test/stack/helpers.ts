import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { freePort } from '../../../test/stack/processes.js';

/** Stack helpers for the operator: kubectl, the operator as a process, waiting for conditions. */

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const OPERATOR_MAIN = join(REPO, 'operator', 'dist', 'main.js');
export const CRD_FILE = join(REPO, 'crds', 'docpipe.dev_documentpipelines.yaml');
export const EXAMPLE_PIPELINE = join(REPO, 'deploy', 'examples', 'pipeline.yaml');

/** What the stack's global setup exported (scripts/stack.sh env). */
export function stackEnv(): { kubeconfig: string; kubectl: string; kafkaBrokers: string } {
  const kubeconfig = process.env['KUBECONFIG'];
  const kubectl = process.env['KUBECTL'];
  if (!kubeconfig || !kubectl) throw new Error('KUBECONFIG/KUBECTL unset: run with DOCPIPE_STACK_COMPONENTS including kube');
  return { kubeconfig, kubectl, kafkaBrokers: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092' };
}

/** Runs kubectl against the stack's API server; returns stdout, throws with stderr. */
export function kubectl(args: string[], input?: string): string {
  const { kubectl: bin, kubeconfig } = stackEnv();
  return execFileSync(bin, args, { input, encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** kubectl get … -o json, parsed. */
export function getJson<T = Record<string, unknown>>(args: string[]): T {
  return JSON.parse(kubectl(['get', ...args, '-o', 'json'])) as T;
}

/** A fresh namespace with a unique name (other suites share the API server). */
export function createNamespace(prefix: string): string {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  kubectl(['create', 'namespace', name]);
  return name;
}

/** Deletes a namespace without waiting (the controller-manager empties it). */
export function deleteNamespace(name: string): void {
  kubectl(['delete', 'namespace', name, '--wait=false', '--ignore-not-found']);
}

/** Installs (server-side applies) the CRD from crds/ and waits until it is established. */
export function installCrd(file = process.env['DOCPIPE_CRD_FILE'] ?? CRD_FILE): void {
  kubectl(['apply', '--server-side', '--force-conflicts', '-f', file]);
  kubectl(['wait', '--for=condition=Established', '--timeout=30s', 'crd/documentpipelines.docpipe.dev']);
}

/**
 * deploy/examples/pipeline.yaml made runnable here: the stack's Kafka
 * (plain text, replication 1), the given namespace and name, no AWS parts.
 */
export function examplePipeline(namespace: string, name = 'docpipe', edit: (spec: Record<string, unknown>) => void = () => {}): string {
  const manifest = parse(readFileSync(EXAMPLE_PIPELINE, 'utf8')) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  manifest.metadata = { name, namespace };
  manifest.spec['kafka'] = {
    bootstrapServers: stackEnv().kafkaBrokers.split(','),
    tls: false,
    auth: { mechanism: 'none' },
    topics: { partitions: 3, replicationFactor: 1, retentionMs: 604_800_000 },
  };
  delete manifest.spec['archive'];
  delete manifest.spec['analytics'];
  edit(manifest.spec);
  return stringify(manifest);
}

/** Polls `probe` until it returns a value other than undefined; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: last });
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface OperatorProcess {
  child: ChildProcess;
  /** The ops server: /metrics, /healthz, /readyz. */
  url: string;
  logPath: string;
  identity: string;
  exited: Promise<number | null>;
  /** SIGTERM (or `signal`) and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOperatorOptions {
  /** Namespace of the Lease and, unless watchNamespace is given, the one watched. */
  namespace: string;
  identity?: string;
  watchNamespace?: string | null;
  resyncSeconds?: number;
  leaderElect?: boolean;
  env?: Record<string, string>;
  /** Wait for /readyz (default true). */
  waitReady?: boolean;
}

/** Starts `node operator/dist/main.js` with the stack's kubeconfig; logs to a file under the OS temp dir. */
export async function startOperator(opts: StartOperatorOptions): Promise<OperatorProcess> {
  const port = await freePort();
  const identity = opts.identity ?? `op-${randomBytes(3).toString('hex')}`;
  const logPath = join(tmpdir(), `docpipe-operator-${opts.namespace}-${identity}.log`);
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    KUBECONFIG: stackEnv().kubeconfig,
    POD_NAME: identity,
    POD_NAMESPACE: opts.namespace,
    OPERATOR_HOST: '127.0.0.1',
    OPERATOR_PORT: String(port),
    LEADER_ELECT: String(opts.leaderElect ?? true),
    RESYNC_SECONDS: String(opts.resyncSeconds ?? 300),
    LOG_FORMAT: 'json',
    ...(opts.watchNamespace === null ? {} : { WATCH_NAMESPACE: opts.watchNamespace ?? opts.namespace }),
    ...opts.env,
  };
  const log = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [OPERATOR_MAIN], { env, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  const operator: OperatorProcess = { child, url, logPath, identity, exited, stop };
  if (opts.waitReady ?? true) {
    await waitFor(`operator ${identity} ready (log: ${logPath})`, async () => {
      if (child.exitCode !== null) throw new Error(`operator exited with ${child.exitCode}: ${readFileSync(logPath, 'utf8').slice(-2000)}`);
      const res = await fetch(`${url}/readyz`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    });
  }
  return operator;
}

/** The value of one Prometheus series (summed over the series matching `labels`), 0 when absent. */
export async function metricValue(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export interface ConditionView {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
}

interface PipelineView {
  metadata: { generation: number; uid: string; resourceVersion: string };
  status?: { observedGeneration?: number; conditions?: ConditionView[]; replicas?: Record<string, number>; uploadUrl?: string };
}

/** The pipeline as the API server has it. */
export function getPipeline(namespace: string, name: string): PipelineView {
  return getJson<PipelineView>(['documentpipeline', name, '-n', namespace]);
}

/** Waits until the pipeline's condition `type` has `status` for its current generation; returns it. */
export async function waitForCondition(
  pipeline: { namespace: string; name: string },
  type: string,
  status: string,
  opts: { message?: RegExp; timeoutMs?: number } = {},
): Promise<ConditionView> {
  const what = `${pipeline.namespace}/${pipeline.name} ${type}=${status}${opts.message ? ` with a message matching ${opts.message}` : ''}`;
  return waitFor(what, () => {
    const p = getPipeline(pipeline.namespace, pipeline.name);
    const c = p.status?.conditions?.find((x) => x.type === type);
    const matches = c?.status === status && (opts.message === undefined || opts.message.test(c.message));
    return matches && p.status?.observedGeneration === p.metadata.generation ? c : undefined;
  }, opts.timeoutMs ?? 60_000);
}

/**
 * There is no kubelet: marks every pod of the namespace Running and Ready,
 * so the real ReplicaSet and Deployment controllers count them available
 * (patching a Deployment's status alone is overwritten by the controller-manager).
 */
export function markPodsReady(namespace: string): number {
  const pods = getJson<{ items: Array<{ metadata: { name: string }; status?: { phase?: string } }> }>(['pods', '-n', namespace]).items;
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const patch = JSON.stringify({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } });
  for (const pod of pods) kubectl(['patch', 'pod', pod.metadata.name, '-n', namespace, '--subresource=status', '--type=merge', '-p', patch]);
  return pods.length;
}

export const OWNED_RESOURCES = 'deployments,services,configmaps,serviceaccounts,ingresses,networkpolicies,poddisruptionbudgets,scaledobjects,triggerauthentications';

/** `Kind/name → resourceVersion` of the pipelines and every operator-managed child in the namespace. */
export function resourceVersions(namespace: string): Map<string, string> {
  const list = (args: string[]) => getJson<{ items: Array<{ kind: string; metadata: { name: string; resourceVersion: string } }> }>(args).items;
  const items = [
    ...list(['documentpipelines', '-n', namespace]),
    ...list([OWNED_RESOURCES, '-n', namespace, '-l', 'app.kubernetes.io/managed-by=docpipe-operator']),
  ];
  return new Map(items.map((i) => [`${i.kind}/${i.metadata.name}`, i.metadata.resourceVersion]));
}

/** A Lease name of its own per operator group, so suites never contend for one. */
export function uniqueLeaseName(prefix = 'docpipe-operator'): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export interface ServerObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion: string; uid: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

/** Every operator-managed child of the pipeline `instance`, by `Kind/name`. */
export function childObjects(namespace: string, instance: string): Map<string, ServerObject> {
  const selector = `app.kubernetes.io/managed-by=docpipe-operator,app.kubernetes.io/instance=${instance}`;
  const items = getJson<{ items: ServerObject[] }>([OWNED_RESOURCES, '-n', namespace, '-l', selector]).items;
  return new Map(items.map((i) => [`${i.kind}/${i.metadata.name}`, i]));
}

/**
 * The paths of `want` that `got` lacks or holds with another value: "the
 * server's object contains every desired field". Arrays compare item by
 * item; numbers and their string forms are equal (ports, quantities);
 * an empty list or map matches an absent field.
 */
export function missingFields(got: unknown, want: unknown, path = ''): string[] {
  if (want === null || typeof want !== 'object') return sameScalar(got, want) ? [] : [`${path}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`];
  // The server leaves out empty lists and maps (cdk8s-plus writes e.g. externalIPs: []).
  if (got === undefined && Object.keys(want).length === 0) return [];
  if (got === null || typeof got !== 'object') return [`${path}: missing`];
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return [`${path}: want ${want.length} items, got ${JSON.stringify(got)}`];
    return want.flatMap((w, i) => missingFields(got[i], w, `${path}[${i}]`));
  }
  return Object.entries(want).flatMap(([k, w]) => missingFields((got as Record<string, unknown>)[k], w, path ? `${path}.${k}` : k));
}

function sameScalar(got: unknown, want: unknown): boolean {
  return got === want || (typeof want === 'number' && got === String(want));
}

/** Sleeps. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The Lease's current holder ('' when released, undefined when absent). */
export function leaseHolder(namespace: string, name: string): string | undefined {
  const out = kubectl(['get', 'lease', name, '-n', namespace, '--ignore-not-found', '-o', 'jsonpath={.spec.holderIdentity}|{.metadata.name}']);
  return out === '' ? undefined : out.split('|')[0];
}

interface Credentials {
  server: URL;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

let credentials: Credentials | undefined;

/** The admin client certificate of the stack's kubeconfig (for requests too many to fork kubectl for). */
function kubeCredentials(): Credentials {
  if (credentials !== undefined) return credentials;
  const config = parse(readFileSync(stackEnv().kubeconfig, 'utf8')) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
    users: Array<{ user: { 'client-certificate-data': string; 'client-key-data': string } }>;
  };
  const b64 = (v: string) => Buffer.from(v, 'base64');
  const { cluster } = config.clusters[0]!;
  const { user } = config.users[0]!;
  credentials = { server: new URL(cluster.server), ca: b64(cluster['certificate-authority-data']), cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']) };
  return credentials;
}

/** One JSON request to the API server with the admin certificate; rejects on a non-2xx answer. */
export function kubeRequest<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/merge-patch+json'): Promise<T> {
  const { server, ca, cert, key } = kubeCredentials();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = { accept: 'application/json', ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }) };
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: server.hostname, port: server.port, method, path, headers, ca, cert, key }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 500) >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`));
        else resolve((text ? JSON.parse(text) : undefined) as T);
      });
    });
    req.once('error', reject);
    req.end(payload);
  });
}

/** markPodsReady for many pods: one request per pod, a few at once, no kubectl forks. Returns the pods marked. */
export async function markAllPodsReady(namespace: string, atOnce = 8): Promise<number> {
  const pods = (await kubeRequest<{ items: Array<{ metadata: { name: string } }> }>('GET', `/api/v1/namespaces/${namespace}/pods`)).items;
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const patch = { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } };
  const queue = [...pods];
  const worker = async () => {
    for (let pod = queue.shift(); pod !== undefined; pod = queue.shift()) {
      await kubeRequest('PATCH', `/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}/status`, patch);
    }
  };
  await Promise.all(Array.from({ length: atOnce }, worker));
  return pods.length;
}

/** How many operator-managed children each pipeline of the namespace has (by instance label). */
export async function childCounts(namespace: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const paths = [
    `/api/v1/namespaces/${namespace}/serviceaccounts`,
    `/api/v1/namespaces/${namespace}/configmaps`,
    `/api/v1/namespaces/${namespace}/services`,
    `/apis/apps/v1/namespaces/${namespace}/deployments`,
    `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`,
    `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies`,
    `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets`,
    `/apis/keda.sh/v1alpha1/namespaces/${namespace}/scaledobjects`,
    `/apis/keda.sh/v1alpha1/namespaces/${namespace}/triggerauthentications`,
  ];
  const selector = encodeURIComponent('app.kubernetes.io/managed-by=docpipe-operator');
  const lists = await Promise.all(paths.map((p) => kubeRequest<{ items: Array<{ metadata: { labels?: Record<string, string> } }> }>('GET', `${p}?labelSelector=${selector}`)));
  for (const item of lists.flatMap((l) => l.items)) {
    const instance = item.metadata.labels?.['app.kubernetes.io/instance'] ?? '';
    counts.set(instance, (counts.get(instance) ?? 0) + 1);
  }
  return counts;
}

/** The Ready condition's status of every pipeline in the namespace, by name. */
export async function readiness(namespace: string): Promise<Map<string, string>> {
  type Item = { metadata: { name: string; generation: number }; status?: { observedGeneration?: number; conditions?: ConditionView[] } };
  const { items } = await kubeRequest<{ items: Item[] }>('GET', `/apis/docpipe.dev/v1alpha1/namespaces/${namespace}/documentpipelines`);
  return new Map(items.map((p) => {
    const current = p.status?.observedGeneration === p.metadata.generation;
    return [p.metadata.name, current ? (p.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown') : 'Unknown'];
  }));
}
