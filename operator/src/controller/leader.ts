import type { Logger } from '@docpipe/runtime';
import { systemClock, type Clock, type LeaseRecord, type LeaseStore } from './ports.js';

export interface LeaseDecisionInput {
  lease: LeaseRecord | undefined;
  /** When this replica first saw the lease's current holder and renewTime (its own clock, as client-go does: no skew). */
  observedAt: number;
  now: number;
  identity: string;
  leaseDurationSeconds: number;
}

export type LeaseDecision =
  | { action: 'create'; lease: LeaseRecord }
  | { action: 'renew'; lease: LeaseRecord }
  | { action: 'acquire'; lease: LeaseRecord }
  | { action: 'wait'; holder: string; expiresAt: number };

/**
 * What to do with the Lease (client-go's leaderelection, pure): create it
 * when missing; renew it when ours; take it when released (empty holder)
 * or when its holder has not renewed for leaseDurationSeconds as observed
 * locally; otherwise wait.
 */
export function decideLease(input: LeaseDecisionInput): LeaseDecision {
  const { lease, now, identity, leaseDurationSeconds } = input;
  const at = new Date(now);
  if (lease === undefined) {
    return { action: 'create', lease: { holderIdentity: identity, leaseDurationSeconds, acquireTime: at, renewTime: at, leaseTransitions: 0 } };
  }
  const base = { leaseDurationSeconds, renewTime: at, resourceVersion: lease.resourceVersion };
  if (lease.holderIdentity === identity) {
    return { action: 'renew', lease: { ...lease, ...base, holderIdentity: identity } };
  }
  const expiresAt = input.observedAt + (lease.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
  if (lease.holderIdentity === undefined || lease.holderIdentity === '' || expiresAt <= now) {
    const transitions = (lease.leaseTransitions ?? 0) + 1;
    return { action: 'acquire', lease: { ...base, holderIdentity: identity, acquireTime: at, leaseTransitions: transitions } };
  }
  return { action: 'wait', holder: lease.holderIdentity, expiresAt };
}

export interface LeaderElectorOptions {
  store: LeaseStore;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
  logger: Logger;
  clock?: Clock;
  onStartedLeading: () => void;
  /** Leadership lost (not renewed within renewDeadline): the caller must stop reconciling, e.g. exit. */
  onStoppedLeading: () => void;
}

/** Lease-based leader election: try every retryPeriod, renew while leading, release on stop. */
export class LeaderElector {
  private leading = false;
  private stopped = false;
  private observed: { key: string; at: number } | undefined;
  private lastRenew = 0;
  private timer: { cancel(): void } | undefined;
  private current: LeaseRecord | undefined;
  /** The attempt in flight: release() waits for it, or its write and ours race (409 on the stale resourceVersion). */
  private attempt: Promise<boolean> | undefined;
  private readonly clock: Clock;

  constructor(private readonly o: LeaderElectorOptions) {
    this.clock = o.clock ?? systemClock;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Starts trying; returns at once. */
  start(): void {
    void this.tick();
  }

  /** One attempt to acquire or renew; true when this replica holds the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    try {
      const lease = await this.o.store.get();
      const decision = decideLease({ lease, observedAt: this.observedAt(lease, now), now, identity: this.o.identity, leaseDurationSeconds: this.o.leaseDurationSeconds });
      if (decision.action === 'wait') return false;
      this.current = decision.action === 'create' ? await this.o.store.create(decision.lease) : await this.o.store.update(decision.lease);
      this.lastRenew = now;
      if (decision.action !== 'renew') this.o.logger.info({ identity: this.o.identity, action: decision.action }, 'leader election: lease taken');
      return true;
    } catch (err) {
      // A conflict means another replica wrote first: just try again next period.
      this.o.logger.debug({ err }, 'leader election: attempt failed');
      return false;
    }
  }

  /** Stops trying; when leading, empties holderIdentity so another replica takes over at once. */
  async release(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.attempt;
    // Whether or not we were leading yet: the attempt in flight may just have taken the Lease.
    const holding = this.current !== undefined && this.current.holderIdentity === this.o.identity;
    this.leading = false;
    if (!holding) return;
    try {
      const at = new Date(this.clock.now());
      await this.o.store.update({ ...this.current!, holderIdentity: '', leaseDurationSeconds: 1, renewTime: at });
      this.o.logger.info('leader election: lease released');
    } catch (err) {
      this.o.logger.warn({ err }, 'leader election: could not release the lease (it expires on its own)');
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    this.attempt = this.tryAcquireOrRenew();
    const held = await this.attempt;
    if (this.stopped) return;
    if (held && !this.leading) {
      this.leading = true;
      this.o.onStartedLeading();
    } else if (!held && this.leading && this.clock.now() - this.lastRenew >= this.o.renewDeadlineSeconds * 1000) {
      this.leading = false;
      this.o.logger.error({ renewDeadlineSeconds: this.o.renewDeadlineSeconds }, 'leader election: lease lost');
      this.o.onStoppedLeading();
    }
    this.timer = this.clock.setTimeout(() => void this.tick(), this.o.retryPeriodSeconds * 1000);
  }

  /** Local time at which the lease's current holder and renewTime were first seen. */
  private observedAt(lease: LeaseRecord | undefined, now: number): number {
    const key = `${lease?.holderIdentity ?? ''}@${lease?.renewTime?.getTime() ?? ''}`;
    if (this.observed?.key !== key) this.observed = { key, at: now };
    return this.observed.at;
  }
}
