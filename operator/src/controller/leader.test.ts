import { createLogger } from '@docpipe/runtime';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { decideLease, LeaderElector } from './leader.js';
import { ConflictError, type LeaseRecord, type LeaseStore } from './ports.js';

const NOW = Date.parse('2026-11-28T10:00:00Z');
const base = { now: NOW, observedAt: NOW, identity: 'me', leaseDurationSeconds: 15 };

describe('decideLease', () => {
  it('creates a missing lease', () => {
    const d = decideLease({ ...base, lease: undefined });
    expect(d).toMatchObject({ action: 'create', lease: { holderIdentity: 'me', leaseDurationSeconds: 15, leaseTransitions: 0 } });
  });

  it('renews its own lease, keeping acquireTime and transitions', () => {
    const acquireTime = new Date(NOW - 60_000);
    const d = decideLease({ ...base, lease: { holderIdentity: 'me', acquireTime, leaseTransitions: 3, resourceVersion: '7' } });
    expect(d).toMatchObject({ action: 'renew', lease: { acquireTime, leaseTransitions: 3, resourceVersion: '7', renewTime: new Date(NOW) } });
  });

  it('waits while another holder’s lease has not expired by the local clock', () => {
    const lease = { holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: new Date(NOW - 3_600_000) };
    // renewTime is an hour old by the holder's clock, but this replica saw it only 14 s ago: skew must not matter.
    expect(decideLease({ ...base, lease, observedAt: NOW - 14_000 })).toMatchObject({ action: 'wait', holder: 'other', expiresAt: NOW + 1000 });
  });

  it('takes an expired lease and counts the transition', () => {
    const lease = { holderIdentity: 'other', leaseDurationSeconds: 15, leaseTransitions: 2, resourceVersion: '9' };
    expect(decideLease({ ...base, lease, observedAt: NOW - 15_000 })).toMatchObject({
      action: 'acquire',
      lease: { holderIdentity: 'me', leaseTransitions: 3, resourceVersion: '9' },
    });
  });

  it('takes a released lease at once', () => {
    expect(decideLease({ ...base, lease: { holderIdentity: '', leaseDurationSeconds: 1 } }).action).toBe('acquire');
    expect(decideLease({ ...base, lease: { leaseDurationSeconds: 15 } }).action).toBe('acquire');
  });
});

class MemoryLeaseStore implements LeaseStore {
  lease: LeaseRecord | undefined;
  private version = 0;
  failing = false;
  /** When set, get() waits for it: a renewal held in flight. */
  gate: Promise<void> | undefined;
  async get() {
    await this.gate;
    if (this.failing) throw new Error('apiserver down');
    return this.lease === undefined ? undefined : { ...this.lease };
  }
  async create(lease: LeaseRecord) {
    if (this.lease !== undefined) throw new ConflictError('exists');
    return (this.lease = { ...lease, resourceVersion: String(++this.version) });
  }
  async update(lease: LeaseRecord) {
    if (this.failing) throw new Error('apiserver down');
    if (lease.resourceVersion !== this.lease?.resourceVersion) throw new ConflictError('stale');
    return (this.lease = { ...lease, resourceVersion: String(++this.version) });
  }
}

function elector(store: LeaseStore, identity: string, clock: FakeClock, log: string[]) {
  return new LeaderElector({
    store,
    identity,
    leaseDurationSeconds: 15,
    renewDeadlineSeconds: 10,
    retryPeriodSeconds: 2,
    clock,
    logger: createLogger({ name: 'test', level: 'silent' }),
    onStartedLeading: () => log.push(`${identity} leads`),
    onStoppedLeading: () => log.push(`${identity} lost`),
  });
}

describe('LeaderElector', () => {
  it('lets exactly one replica lead; the other takes over fast after a release', async () => {
    const clock = new FakeClock(NOW);
    const store = new MemoryLeaseStore();
    const log: string[] = [];
    const a = elector(store, 'a', clock, log);
    const b = elector(store, 'b', clock, log);
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock.advance(14_000);
    expect(await b.tryAcquireOrRenew()).toBe(false); // a's lease is still fresh as b observed it
    expect(await a.tryAcquireOrRenew()).toBe(true); // renewed
    a.start();
    await new Promise((r) => setTimeout(r, 5));
    expect(a.isLeader()).toBe(true);
    await a.release();
    expect(store.lease!.holderIdentity).toBe('');
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(store.lease).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(log).toEqual(['a leads']);
  });

  it('releases the lease even when SIGTERM comes while a renewal is in flight', async () => {
    const clock = new FakeClock(NOW);
    const store = new MemoryLeaseStore();
    const a = elector(store, 'a', clock, []);
    a.start();
    await new Promise((r) => setTimeout(r, 5));
    expect(a.isLeader()).toBe(true);
    let open!: () => void;
    store.gate = new Promise((r) => (open = r));
    clock.advance(2000); // the next renewal starts and waits in get()
    await new Promise((r) => setTimeout(r, 2));
    const released = a.release();
    open();
    await released;
    await new Promise((r) => setTimeout(r, 5)); // the renewal has long finished
    // Without waiting for the renewal, release() and the renewal raced: the renewal took the released lease back
    // (or, in the other order, release() wrote a stale resourceVersion and got 409): a's either way.
    expect(store.lease!.holderIdentity).toBe('');
  });

    it('reports leadership lost when it cannot renew within the renew deadline', async () => {
    const clock = new FakeClock(NOW);
    const store = new MemoryLeaseStore();
    const log: string[] = [];
    const a = elector(store, 'a', clock, log);
    a.start();
    await new Promise((r) => setTimeout(r, 5));
    expect(log).toEqual(['a leads']);
    store.failing = true;
    for (let i = 0; i < 4; i++) {
      clock.advance(2000);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(a.isLeader()).toBe(true); // 8 s without renewal: still within the 10 s deadline
    clock.advance(2000);
    await new Promise((r) => setTimeout(r, 2));
    expect(log).toEqual(['a leads', 'a lost']);
    expect(a.isLeader()).toBe(false);
    await a.release();
  });
});
