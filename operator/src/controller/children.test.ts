import { describe, expect, it } from 'vitest';
import { applyChange } from './children.js';
import { DedupingEventRecorder } from './events.js';
import { OwnedIndex } from './owned-index.js';
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
