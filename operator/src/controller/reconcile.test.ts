import { createLogger } from '@docpipe/runtime';
import { minimalPipelineManifest, type DocumentPipeline, type DocumentPipelineStatus } from '@docpipe/operator-api';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryKube } from '../testing/memory-kube.js';
import { DedupingEventRecorder } from './events.js';
import { OwnedIndex } from './owned-index.js';
import { EXTERNAL_FINALIZER, type ExternalPart, type KubeObject, type PartContext, type TopicAdmin, type TopicWanted } from './ports.js';
import { FinalizePendingError, pipelineRef, ReconcileFailedError, Reconciler } from './reconcile.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const KEY = 'team-a/demo';

class FakeTopics implements TopicAdmin {
  calls: TopicWanted[][] = [];
  fail: Error | undefined;
  async ensureTopics(_cluster: unknown, topics: TopicWanted[]) {
    this.calls.push(topics);
    if (this.fail) throw this.fail;
    return { created: this.calls.length === 1 ? topics.map((t) => t.topic) : [], updated: [], unchanged: this.calls.length === 1 ? [] : topics.map((t) => t.topic) };
  }
}

class FakePart implements ExternalPart {
  constructor(readonly conditionType: ExternalPart['conditionType'] = 'ArchiveReady') {}
  readonly statusFields = ['connector'] as const;
  want = true;
  /** The status each finalize was handed. */
  seen: (DocumentPipelineStatus | undefined)[] = [];
  fail: Error | undefined;
  gone = true;
  finalized = 0;
  /** A failure the part handles on its own schedule (a FAILED connector it will recreate). */
  failed = false;
  wants = (p: DocumentPipeline) => this.want && p.spec.s3.bucket !== '';
  async reconcile() {
    if (this.fail) throw this.fail;
    if (this.failed) {
      return { condition: { status: 'False' as const, reason: 'ConnectorFailed', message: 'FAILED: no route to HDFS; recreating in 60 s' }, degraded: true, requeueAfterMs: 60_000 };
    }
    return { condition: { status: 'True' as const, reason: 'ConnectorRunning', message: 'RUNNING' }, status: { connector: { state: 'RUNNING' } } };
  }
  async finalize(_p: DocumentPipeline, ctx: PartContext) {
    this.finalized++;
    this.seen.push(ctx.previous);
    return this.gone;
  }
}

function manifest(spec: Record<string, unknown> = {}): KubeObject {
  const m = minimalPipelineManifest('demo', 'team-a');
  return { ...m, spec: { ...m.spec, ...spec } } as unknown as KubeObject;
}

function setup(parts: ExternalPart[] = []) {
  const kube = new MemoryKube();
  const owned = new OwnedIndex();
  kube.onChange((type, object) => owned.observe(type, object));
  const topics = new FakeTopics();
  const events = new DedupingEventRecorder(kube, () => 0);
  const reconciler = new Reconciler({ kube, topics, owned, events, logger, parts, now: () => new Date('2026-11-28T10:00:00Z') });
  return { kube, owned, topics, reconciler };
}

const children = (kube: MemoryKube) => [...kube.objects.values()].filter((o) => o.kind !== 'DocumentPipeline');
const pipelineOf = (kube: MemoryKube) => kube.objects.get('docpipe.dev/v1alpha1/DocumentPipeline/team-a/demo')!;
const condition = (kube: MemoryKube, type: string) =>
  (pipelineOf(kube)['status'] as { conditions: Array<{ type: string; status: string; reason: string; message: string }> }).conditions.find((c) => c.type === type);

function markAvailable(kube: MemoryKube): void {
  for (const d of children(kube).filter((o) => o.kind === 'Deployment')) {
    kube.put({ ...d, status: { observedGeneration: d.metadata.generation, availableReplicas: 1, readyReplicas: 1, replicas: 1 } });
  }
}

describe('Reconciler', () => {
  let env: ReturnType<typeof setup>;
  beforeEach(() => {
    env = setup();
  });

  it('does nothing for a pipeline that is gone', async () => {
    expect(await env.reconciler.reconcile(KEY)).toEqual({});
    expect(env.kube.writes).toEqual([]);
  });

  it('creates every child owned by the pipeline and reports what it waits for', async () => {
    env.kube.put(manifest({ gateway: { ingress: { host: 'docs.example' } } }));
    await env.reconciler.reconcile(KEY);
    const kinds = children(env.kube).map((o) => o.kind);
    expect(new Set(kinds)).toEqual(new Set(['ServiceAccount', 'ConfigMap', 'Deployment', 'Service', 'Ingress', 'NetworkPolicy', 'PodDisruptionBudget', 'ScaledObject']));
    const uid = pipelineOf(env.kube).metadata.uid;
    for (const child of children(env.kube)) {
      expect(child.metadata.ownerReferences).toEqual([
        { apiVersion: 'docpipe.dev/v1alpha1', kind: 'DocumentPipeline', name: 'demo', uid, controller: true, blockOwnerDeletion: true },
      ]);
      expect(child.metadata.namespace).toBe('team-a');
    }
    expect(condition(env.kube, 'Ready')).toMatchObject({ status: 'False', reason: 'PartsNotReady' });
    expect(condition(env.kube, 'Progressing')!.status).toBe('True');
    expect(condition(env.kube, 'TopicsReady')!.status).toBe('True');
    expect(condition(env.kube, 'GatewayReady')!.status).toBe('False');
    expect(env.topics.calls[0]!.map((t) => t.topic)).toContain('documents.raw');
    expect(env.kube.events.filter((e) => e.reason === 'Created').length).toBe(children(env.kube).length);
  });

  it('is Ready once the Deployments are available, and an idle resync writes nothing', async () => {
    env.kube.put(manifest());
    await env.reconciler.reconcile(KEY);
    markAvailable(env.kube);
    await env.reconciler.reconcile(KEY);
    expect(condition(env.kube, 'Ready')).toMatchObject({ status: 'True', reason: 'AllPartsReady' });
    expect((pipelineOf(env.kube)['status'] as { replicas: unknown }).replicas).toEqual({ gateway: 1, ingest: 1, docproc: 1, embedding: 1 });
    const writes = env.kube.writes.length;
    const events = env.kube.events.length;
    await env.reconciler.reconcile(KEY);
    await env.reconciler.reconcile(KEY);
    expect(env.kube.writes.slice(writes)).toEqual([]);
    expect(env.kube.events.length).toBe(events);
  });

  it('restores a hand-edited child and recreates a deleted one', async () => {
    env.kube.put(manifest());
    await env.reconciler.reconcile(KEY);
    const cm = children(env.kube).find((o) => o.kind === 'ConfigMap')!;
    env.kube.put({ ...cm, data: { EDITED: 'by hand' } });
    const service = children(env.kube).find((o) => o.kind === 'Service')!;
    await env.kube.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'team-a', name: service.metadata.name });
    await env.reconciler.reconcile(KEY);
    expect(children(env.kube).find((o) => o.kind === 'ConfigMap')!['data']).not.toHaveProperty('EDITED');
    expect(children(env.kube).some((o) => o.kind === 'Service' && o.metadata.name === service.metadata.name)).toBe(true);
  });

  it('deletes a child that is no longer desired', async () => {
    env.kube.put(manifest({ gateway: { ingress: { host: 'docs.example' } } }));
    await env.reconciler.reconcile(KEY);
    env.kube.put(manifest());
    await env.reconciler.reconcile(KEY);
    expect(children(env.kube).some((o) => o.kind === 'Ingress')).toBe(false);
    expect(env.kube.events.some((e) => e.reason === 'Deleted' && e.note.includes('Ingress demo-gateway'))).toBe(true);
  });

  it('reports an invalid spec with a Warning and applies nothing', async () => {
    env.kube.put(manifest({ chunking: { maxTokens: 64, overlapTokens: 64 } }));
    expect(await env.reconciler.reconcile(KEY)).toEqual({});
    expect(children(env.kube)).toEqual([]);
    expect(condition(env.kube, 'Degraded')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    expect(condition(env.kube, 'Ready')!.message).toMatch(/spec\.chunking.*overlapTokens must be below maxTokens/);
    expect(env.kube.events.filter((e) => e.type === 'Warning' && e.reason === 'InvalidSpec')).toHaveLength(1);
    await env.reconciler.reconcile(KEY);
    expect(env.kube.events.filter((e) => e.reason === 'InvalidSpec')).toHaveLength(1); // deduplicated
  });

  it('applies what it can, then fails Degraded when a child cannot be applied', async () => {
    env.kube.put(manifest());
    env.kube.failKinds.add('Service');
    await expect(env.reconciler.reconcile(KEY)).rejects.toBeInstanceOf(ReconcileFailedError);
    expect(children(env.kube).some((o) => o.kind === 'Deployment')).toBe(true);
    expect(condition(env.kube, 'Degraded')).toMatchObject({ status: 'True', reason: 'ApplyFailed' });
    expect(condition(env.kube, 'Ready')!.status).toBe('False');
  });

  it('reports a Kafka failure on TopicsReady, and checks topics once per generation', async () => {
    env.kube.put(manifest());
    env.topics.fail = new Error('connect ECONNREFUSED');
    await expect(env.reconciler.reconcile(KEY)).rejects.toThrow(/ECONNREFUSED/);
    expect(condition(env.kube, 'TopicsReady')).toMatchObject({ status: 'False', reason: 'TopicsFailed' });
    env.topics.fail = undefined;
    await env.reconciler.reconcile(KEY);
    await env.reconciler.reconcile(KEY);
    expect(env.topics.calls).toHaveLength(2);
    expect(condition(env.kube, 'TopicsReady')!.status).toBe('True');
  });

  it('forgets the topic check of a deleted pipeline (no AWS parts, so no finalize), and checks a recreated one again', async () => {
    env.kube.put(manifest());
    await env.reconciler.reconcile(KEY);
    expect(env.reconciler.topicsRemembered).toBe(1);
    await env.kube.requestDelete(pipelineRef(KEY));
    expect(pipelineOf(env.kube)).toBeUndefined();
    await env.reconciler.reconcile(KEY);
    expect(env.reconciler.topicsRemembered).toBe(0);
    // The same name, a new object (new uid, generation 1 again): its topics are checked, not taken from the old one.
    env.kube.put(manifest());
    await env.reconciler.reconcile(KEY);
    expect(env.topics.calls).toHaveLength(2);
    expect(env.reconciler.topicsRemembered).toBe(1);
  });
});

describe('Reconciler with external parts', () => {
  it('holds the finalizer while a part is wanted; a throwing part degrades but never blocks the children', async () => {
    const part = new FakePart();
    const env = setup([part]);
    env.kube.put(manifest());
    part.fail = new Error('AccessDenied');
    await expect(env.reconciler.reconcile(KEY)).rejects.toBeInstanceOf(ReconcileFailedError);
    expect(pipelineOf(env.kube).metadata.finalizers).toEqual([EXTERNAL_FINALIZER]);
    expect(children(env.kube).length).toBeGreaterThan(10);
    expect(condition(env.kube, 'ArchiveReady')).toMatchObject({ status: 'False', message: 'ArchiveReady: AccessDenied' });
    expect(condition(env.kube, 'Degraded')!.status).toBe('True');
    expect(env.kube.events.some((e) => e.type === 'Warning' && e.note.includes('AccessDenied'))).toBe(true);
    part.fail = undefined;
    await env.reconciler.reconcile(KEY);
    expect(condition(env.kube, 'ArchiveReady')!.status).toBe('True');
    expect((pipelineOf(env.kube)['status'] as { connector: unknown }).connector).toEqual({ state: 'RUNNING' });
  });

  it('a part reporting trouble it handles itself makes the pipeline Degraded without failing the reconcile', async () => {
    const part = new FakePart();
    const env = setup([part]);
    env.kube.put(manifest());
    part.failed = true;
    await expect(env.reconciler.reconcile(KEY)).resolves.toEqual({ requeueAfterMs: 60_000 });
    expect(condition(env.kube, 'ArchiveReady')).toMatchObject({ status: 'False', reason: 'ConnectorFailed' });
    expect(condition(env.kube, 'Degraded')).toMatchObject({ status: 'True', reason: 'ConnectorFailed', message: 'ArchiveReady: FAILED: no route to HDFS; recreating in 60 s' });
    expect(condition(env.kube, 'Ready')!.status).toBe('False');
    part.failed = false;
    await env.reconciler.reconcile(KEY);
    expect(condition(env.kube, 'Degraded')!.status).toBe('False');
  });

  it('on deletion finalizes only the parts that were wanted or made something', async () => {
    const used = new FakePart();
    const unused = new FakePart('AnalyticsReady');
    unused.want = false;
    const env = setup([used, unused]);
    env.kube.put(manifest());
    await env.reconciler.reconcile(KEY);
    await env.kube.requestDelete(pipelineRef(KEY));
    await env.reconciler.reconcile(KEY);
    expect([used.finalized, unused.finalized]).toEqual([1, 0]);
    expect(pipelineOf(env.kube)).toBeUndefined();
  });

  it('on deletion finalizes every part and releases the finalizer only when all are gone', async () => {
    const part = new FakePart();
    const env = setup([part]);
    env.kube.put(manifest());
    await env.reconciler.reconcile(KEY);
    await env.kube.requestDelete(pipelineRef(KEY));
    part.gone = false;
    await expect(env.reconciler.reconcile(KEY)).rejects.toBeInstanceOf(FinalizePendingError);
    expect(pipelineOf(env.kube).metadata.finalizers).toEqual([EXTERNAL_FINALIZER]);
    part.gone = true;
    await env.reconciler.reconcile(KEY);
    expect(part.finalized).toBe(2);
    expect(pipelineOf(env.kube)).toBeUndefined();
  });

  it('cleans up a part no longer wanted (handing it the status it wrote), then drops its condition, its status fields and the finalizer', async () => {
    const part = new FakePart();
    const env = setup([part]);
    env.kube.put(manifest());
    await env.reconciler.reconcile(KEY);
    part.want = false;
    part.gone = false;
    await env.reconciler.reconcile(KEY);
    expect(part.seen[0]?.connector).toEqual({ state: 'RUNNING' });
    expect(condition(env.kube, 'ArchiveReady')).toMatchObject({ status: 'False', reason: 'Removing' });
    expect((pipelineOf(env.kube)['status'] as DocumentPipelineStatus).connector).toEqual({ state: 'RUNNING' });
    part.gone = true;
    await env.reconciler.reconcile(KEY);
    expect(part.finalized).toBe(2);
    expect(condition(env.kube, 'ArchiveReady')).toBeUndefined();
    expect((pipelineOf(env.kube)['status'] as DocumentPipelineStatus).connector).toBeUndefined();
    await env.reconciler.reconcile(KEY);
    expect(pipelineOf(env.kube).metadata.finalizers ?? []).toEqual([]);
  });
});
