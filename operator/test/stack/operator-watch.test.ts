import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiProxy } from './api-proxy.js';
import {
  childObjects,
  examplePipeline,
  getJson,
  kubectl,
  kubeRequest,
  sleep,
  waitFor,
  type OperatorProcess,
} from './helpers.js';
import { startOperatorSuite, type OperatorSuite } from './suite.js';

// The operator's watches against what the network and the API server do to
// them, through a proxy of its own (the API server is shared: it is never
// restarted and etcd never compacted here): the server ending a watch at its
// timeoutSeconds, connections cut mid-stream, an outage during which things
// change, and the 410 Expired a watch cache answers for a resourceVersion it
// no longer has. The resync is an hour away: only the watches can explain a reconcile.

const NAME = 'docpipe';
let suite: OperatorSuite | undefined;
let namespace: string;
let proxy: ApiProxy;
let operator: OperatorProcess;

const tagOf = (deployment: string) =>
  getJson<{ spec: { template: { spec: { containers: Array<{ image: string }> } } } }>(['deployment', deployment, '-n', namespace]).spec.template.spec.containers[0]!.image.split(':').pop();
const setTag = (tag: string) => kubectl(['patch', 'documentpipeline', NAME, '-n', namespace, '--type', 'merge', '-p', JSON.stringify({ spec: { images: { tag } } })]);
const waitTag = (tag: string) => waitFor(`image tag ${tag}`, () => (tagOf(`${NAME}-gateway`) === tag ? true : undefined), 60_000);
const pipelineWatches = () => proxy.requests.filter((r) => r.watch && r.path.endsWith('/documentpipelines'));

/** The API server's current resourceVersion (a list of a small collection; kubectl's own List would hide it). */
async function currentResourceVersion(): Promise<string> {
  return (await kubeRequest<{ metadata: { resourceVersion: string } }>('GET', `/api/v1/namespaces/${namespace}/configmaps`)).metadata.resourceVersion;
}

beforeAll(async () => {
  suite = await startOperatorSuite('op-watch', { proxy: 'up', operator: { leaderElect: false, resyncSeconds: 3600 } });
  ({ namespace, operator } = suite);
  proxy = suite.proxy!;
  // No leader election: an outage longer than the renew deadline would (rightly) make a leader exit.
  kubectl(['apply', '-f', '-'], examplePipeline(namespace, NAME));
  await waitFor('19 children', () => (childObjects(namespace, NAME).size === 19 ? true : undefined));
});

afterAll(async () => {
  expect(await suite?.close()).toBe(0);
});

describe('the watches', () => {
  it('resume after the server ends them (timeoutSeconds): a change made later is reconciled', async () => {
    const before = pipelineWatches().length;
    // The adapter asks for 20–27 s; wait until the server has ended one and the operator watched again.
    await waitFor('a new watch of DocumentPipelines', () => (pipelineWatches().length > before ? true : undefined), 45_000, 500);
    await sleep(500);
    setTag('0.2.0');
    await waitTag('0.2.0');
  });

  it('restart after the connections are cut mid-stream: a deleted child comes back, a change is applied', async () => {
    // The pipelines' watch and one per owned kind; one may be between its server timeout and the next watch.
    await waitFor('every watch open', () => (proxy.openWatches >= 10 ? true : undefined), 30_000, 100);
    expect(proxy.cutWatches()).toBeGreaterThanOrEqual(10);
    const uid = childObjects(namespace, NAME).get('Service/docpipe-ingest')!.metadata.uid;
    kubectl(['delete', 'service', `${NAME}-ingest`, '-n', namespace]);
    await waitFor('the Service recreated', () => {
      const s = childObjects(namespace, NAME).get('Service/docpipe-ingest');
      return s !== undefined && s.metadata.uid !== uid ? true : undefined;
    });
    setTag('0.3.0');
    await waitTag('0.3.0');
  });

  it('relist after an outage whose resourceVersions expired (410): what changed meanwhile is reconciled', async () => {
    proxy.setDown(true);
    await sleep(1000);
    // While the operator cannot see: a spec change, a deleted child, a new pipeline.
    setTag('0.4.0');
    kubectl(['delete', 'configmap', `${NAME}-config`, '-n', namespace]);
    kubectl(['apply', '-f', '-'], examplePipeline(namespace, 'second'));
    // Every resourceVersion the operator holds is now older than this: its watches from them are "too old".
    proxy.expireWatchesBelow(await currentResourceVersion());
    const answeredBefore = proxy.requests.length;
    proxy.setDown(false);

    await waitTag('0.4.0');
    await waitFor('the ConfigMap recreated', () => (childObjects(namespace, NAME).has('ConfigMap/docpipe-config') ? true : undefined));
    await waitFor("the new pipeline's children", () => (childObjects(namespace, 'second').size === 19 ? true : undefined));
    const after = proxy.requests.slice(answeredBefore);
    // The 410 path was taken (not a lucky resume) and the operator relisted (a list, not a watch) after it.
    expect(after.filter((r) => r.watch && r.status === 410).length).toBeGreaterThan(0);
    expect(after.some((r) => !r.watch && r.method === 'GET' && r.path.endsWith('/documentpipelines'))).toBe(true);
    expect(operator.child.exitCode).toBeNull();
  });
});
