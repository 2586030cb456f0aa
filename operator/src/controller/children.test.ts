import { createLogger } from '@docpipe/runtime';
import { describe, expect, it, vi } from 'vitest';
import { MemoryKube } from '../testing/memory-kube.js';
import { applyChange, applyChildren, desiredDigest } from './children.js';
import { refOf } from './desired.js';
import { DedupingEventRecorder } from './events.js';
import { OwnedIndex, slimChild } from './owned-index.js';
import { FIELD_MANAGER, type EventRecord, type KubeObject } from './ports.js';

const object = (rv: string, appliedAt: string, created = '2026-11-28T10:00:00Z', owner = 'uid-1'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'demo-config',
    namespace: 'team-a',
    resourceVersion: rv,
    creationTimestamp: created,
    managedFields: [
      { manager: FIELD_MANAGER, operation: 'Apply', time: appliedAt },
      { manager: 'kubectl', operation: 'Update', time: '2026-11-28T11:00:00Z' },
    ],
    ownerReferences: [{ apiVersion: 'docpipe.dev/v1alpha1', kind: 'DocumentPipeline', name: 'demo', uid: owner, controller: true }],
  },
});

describe('applyChange', () => {
  it('tells created, updated and unchanged apart by our field manager’s time', () => {
    expect(applyChange(undefined, object('1', '2026-11-28T10:00:00Z'))).toBe('created');
    expect(applyChange(object('1', '2026-11-28T10:00:00Z'), object('1', '2026-11-28T10:00:00Z'))).toBe('unchanged');
    expect(applyChange(object('1', '2026-11-28T10:00:00Z'), object('2', '2026-11-28T10:05:00Z'))).toBe('updated');
    // Someone else (the controller-manager) wrote; our apply changed nothing.
    expect(applyChange(object('1', '2026-11-28T10:00:00Z'), object('2', '2026-11-28T10:00:00Z'))).toBe('unchanged');
    // A cache miss on an old object is not a creation.
    expect(applyChange(undefined, object('5', '2026-11-28T10:05:00Z'))).toBe('unchanged');
  });
});

describe('OwnedIndex', () => {
  it('indexes children by their controlling pipeline and names it for the queue', () => {
    const index = new OwnedIndex();
    expect(index.observe('added', object('1', 't'))).toBe('team-a/demo');
    expect(index.ownedBy('uid-1')).toHaveLength(1);
    expect(index.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team-a', name: 'demo-config' })?.metadata.resourceVersion).toBe('1');
    index.observe('modified', object('2', 't', undefined, 'uid-2')); // adopted by another pipeline
    expect(index.ownedBy('uid-1')).toEqual([]);
    expect(index.ownedBy('uid-2')).toHaveLength(1);
    index.observe('deleted', object('3', 't', undefined, 'uid-2'));
    expect(index.size).toBe(0);
    const orphan = { ...object('4', 't'), metadata: { name: 'x', namespace: 'team-a' } };
    expect(index.observe('added', orphan)).toBeUndefined();
  });
});

describe('DedupingEventRecorder', () => {
  it('drops an equal Event within the window and sends it again after', () => {
    const sent: EventRecord[] = [];
    let now = 0;
    const recorder = new DedupingEventRecorder({ recordEvent: async (e) => void sent.push(e) }, () => now, 60_000);
    const event: EventRecord = { regarding: { apiVersion: 'v1', kind: 'X', name: 'a', uid: 'u' }, type: 'Warning', reason: 'ApplyFailed', action: 'Apply', note: 'boom' };
    recorder.emit(event);
    recorder.emit(event);
    recorder.emit({ ...event, note: 'other' });
    expect(sent.map((e) => e.note)).toEqual(['boom', 'other']);
    now = 60_001;
    recorder.emit(event);
    expect(sent).toHaveLength(3);
  });
});

describe('applyChildren', () => {
  const owner = { apiVersion: 'docpipe.dev/v1alpha1', kind: 'DocumentPipeline', namespace: 'team-a', name: 'demo', uid: 'uid-p' };
  const ownerReferences = [{ apiVersion: 'docpipe.dev/v1alpha1', kind: 'DocumentPipeline', name: 'demo', uid: 'uid-p', controller: true }];
  const desired = (replicas = 2): KubeObject[] => [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'demo-config', namespace: 'team-a', ownerReferences }, data: { A: '1' } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'demo-gateway', namespace: 'team-a', ownerReferences }, spec: { replicas } },
  ];

  function setup() {
    const kube = new MemoryKube();
    const owned = new OwnedIndex();
    kube.onChange((type, object) => owned.observe(type, object));
    const apply = vi.spyOn(kube, 'apply');
    const events = new DedupingEventRecorder(kube, () => 0);
    const deps = { kube, owned, events, logger: createLogger({ name: 'test', level: 'silent' }) };
    const applied = () => apply.mock.calls.map(([o]) => `${o.kind}/${o.metadata.name}`);
    return { kube, deps, apply, applied };
  }

  it('sends no request for a child unchanged since our last apply, and applies again after any write to it', async () => {
    const { kube, deps, apply, applied } = setup();
    await applyChildren(deps, owner, desired());
    expect(applied()).toEqual(['ConfigMap/demo-config', 'Deployment/demo-gateway']);
    apply.mockClear();
    const idle = await applyChildren(deps, owner, desired());
    expect(applied()).toEqual([]);
    expect(idle.observed.get('Deployment/demo-gateway')?.['spec']).toEqual({ replicas: 2 }); // the watched copy stands in for the response
    // A hand edit moves the resourceVersion: the next reconcile applies and restores.
    const cm = kube.objects.get('v1/ConfigMap/team-a/demo-config')!;
    kube.put({ ...cm, data: { A: 'edited' } });
    await applyChildren(deps, owner, desired());
    expect(applied()).toEqual(['ConfigMap/demo-config']);
    expect(kube.objects.get('v1/ConfigMap/team-a/demo-config')!['data']).toEqual({ A: '1' });
    apply.mockClear();
    // A deleted child is recreated; a changed desired object is applied.
    await kube.delete(refOf(desired()[0]!));
    await applyChildren(deps, owner, desired(3));
    expect(applied()).toEqual(['ConfigMap/demo-config', 'Deployment/demo-gateway']);
    expect(kube.objects.has('v1/ConfigMap/team-a/demo-config')).toBe(true);
    apply.mockClear();
    await applyChildren(deps, owner, desired(3));
    expect(applied()).toEqual([]);
  });

  it('applies again after a failed apply and when the watch has not shown the child yet', async () => {
    const { kube, deps, apply, applied } = setup();
    kube.failKinds.add('ConfigMap');
    const failed = await applyChildren(deps, owner, desired());
    expect(failed.problems.map((p) => p.reason)).toEqual(['ApplyFailed']);
    kube.failKinds.clear();
    apply.mockClear();
    await applyChildren(deps, owner, desired());
    expect(applied()).toEqual(['ConfigMap/demo-config']);
    // Memory without a watched object (a fresh index after the watch relisted nothing yet) is no reason to skip.
    deps.owned = new OwnedIndex();
    deps.owned.rememberApplied(refOf(desired()[0]!), desiredDigest(desired()[0]!), kube.objects.get('v1/ConfigMap/team-a/demo-config')!.metadata.resourceVersion);
    apply.mockClear();
    await applyChildren(deps, owner, desired());
    expect(applied()).toEqual(['ConfigMap/demo-config', 'Deployment/demo-gateway']);
  });
});

describe('desiredDigest', () => {
  it('ignores key order and sees any value', () => {
    const a: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { A: '1', B: '2' } };
    expect(desiredDigest({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x' }, data: { B: '2', A: '1' } })).toBe(desiredDigest(a));
    expect(desiredDigest({ ...a, data: { A: '1', B: '3' } })).not.toBe(desiredDigest(a));
  });
});

describe('slimChild', () => {
  it('keeps what the controller reads and drops the rest', () => {
    const full = object('7', '2026-11-28T10:00:00Z');
    const deployment: KubeObject = {
      ...full,
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { ...full.metadata, labels: { a: 'b' }, annotations: { big: 'x'.repeat(1000) }, generation: 3 },
      spec: { replicas: 2, template: { spec: { containers: [] } } },
      status: { observedGeneration: 3, availableReplicas: 1, readyReplicas: 1, replicas: 2, conditions: [{ type: 'Available' }] },
    };
    expect(slimChild(deployment)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'demo-config',
        namespace: 'team-a',
        resourceVersion: '7',
        generation: 3,
        creationTimestamp: '2026-11-28T10:00:00Z',
        ownerReferences: full.metadata.ownerReferences,
        managedFields: [{ manager: FIELD_MANAGER, operation: 'Apply', time: '2026-11-28T10:00:00Z' }],
      },
      spec: { replicas: 2 },
      status: { observedGeneration: 3, availableReplicas: 1, readyReplicas: 1 },
    });
    expect(Object.keys(slimChild({ ...full, data: { A: '1' } }))).toEqual(['apiVersion', 'kind', 'metadata']);
  });

  it('forgets what was applied when the watch reports the child deleted', () => {
    const index = new OwnedIndex();
    const cm = object('1', 't');
    index.observe('added', cm);
    index.rememberApplied(refOf(cm), 'd', '1');
    expect(index.unchangedSinceApply(refOf(cm), 'd')?.metadata.resourceVersion).toBe('1');
    expect(index.unchangedSinceApply(refOf(cm), 'other')).toBeUndefined();
    index.observe('deleted', cm);
    index.observe('added', cm); // recreated with the same resourceVersion (only a test can)
    expect(index.unchangedSinceApply(refOf(cm), 'd')).toBeUndefined();
  });
});
