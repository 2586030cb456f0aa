import type { GroupOffsets } from './offset-store.js';
import type { PartitionLog } from './partition-log.js';
import { PartitionWorker, type WorkerSettings } from './partition-worker.js';

/** One subscriber of a group: what it reads and how it handles batches. */
export interface Member {
  readonly id: number;
  readonly topics: readonly string[];
  readonly settings: WorkerSettings;
}

interface MemberState {
  member: Member;
  workers: Map<string, PartitionWorker>;
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * A consumer group: splits each topic's partitions among the members that
 * subscribe to it and rebalances when one joins or leaves. A partition's new
 * owner starts only after the old one finished its batch and committed.
 */
export class ConsumerGroup {
  private readonly members: MemberState[] = [];
  /** Per partition: resolves when its latest worker has stopped. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    readonly groupId: string,
    readonly offsets: GroupOffsets,
    private readonly partitionsOf: (topic: string) => PartitionLog[],
  ) {}

  get size(): number {
    return this.members.length;
  }

  join(member: Member): void {
    this.members.push({ member, workers: new Map() });
    this.rebalance();
  }

  /** Removes the member; resolves when its workers have stopped and committed. */
  async leave(member: Member): Promise<void> {
    const index = this.members.findIndex((m) => m.member === member);
    if (index === -1) return;
    const [state] = this.members.splice(index, 1);
    const stopping = [...state!.workers.values()].map((w) => w.stop());
    state!.workers.clear();
    this.rebalance();
    await Promise.all(stopping);
  }

  private rebalance(): void {
    const desired = this.assignment();
    for (const state of this.members) {
      for (const [key, worker] of state.workers) {
        if (desired.get(key)?.owner === state) continue;
        void worker.stop();
        state.workers.delete(key);
      }
    }
    for (const [key, { owner, log }] of desired) {
      if (owner.workers.has(key)) continue;
      const previous = this.tails.get(key) ?? Promise.resolve();
      const worker = new PartitionWorker(log, this.offsets, owner.member.settings, previous);
      owner.workers.set(key, worker);
      this.tails.set(key, worker.done);
    }
  }

  /** Round-robin: partition p of a topic goes to its (p mod n)-th subscriber, in join order. */
  private assignment(): Map<string, { owner: MemberState; log: PartitionLog }> {
    const desired = new Map<string, { owner: MemberState; log: PartitionLog }>();
    const topics = new Set(this.members.flatMap((m) => m.member.topics));
    for (const topic of topics) {
      const subscribers = this.members.filter((m) => m.member.topics.includes(topic));
      for (const log of this.partitionsOf(topic)) {
        desired.set(tpKey(topic, log.partition), { owner: subscribers[log.partition % subscribers.length]!, log });
      }
    }
    return desired;
  }
}
