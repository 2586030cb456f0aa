import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../../fs-atomic.js';

type Committed = Record<string, Record<string, number>>;


/**
 * The committed offsets of one consumer group (the next offset to consume,
 * per topic-partition). With a directory they are written atomically — temp
 * file, fsync, rename — and concurrent commits coalesce into few writes.
 */
export class GroupOffsets {
  private pending: Promise<void> | null = null;
  private dirty = false;

  private constructor(
    private readonly file: string | undefined,
    private readonly committed: Committed,
  ) {}

  /** Loads the group's offsets from `<dir>/<group>.json` (or memory only without dir). */
  static async open(dir: string | undefined, groupId: string): Promise<GroupOffsets> {
    if (!dir) return new GroupOffsets(undefined, {});
    const file = join(dir, `${encodeURIComponent(groupId)}.json`);
    return new GroupOffsets(file, await readCommitted(file));
  }

  /** The next offset the group consumes on this partition, if it ever committed one. */
  get(topic: string, partition: number): number | undefined {
    return this.committed[topic]?.[String(partition)];
  }

  /** Records `next` as committed; resolves when it is on disk. */
  commit(topic: string, partition: number, next: number): Promise<void> {
    (this.committed[topic] ??= {})[String(partition)] = next;
    if (!this.file) return Promise.resolve();
    this.dirty = true;
    this.pending ??= this.flush(this.file);
    return this.pending;
  }

  private async flush(file: string): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        await writeFileAtomically(file, JSON.stringify(this.committed));
      }
    } finally {
      // Cleared in the same tick as the last `dirty` check, so a commit that
      // arrives later always starts a new write.
      this.pending = null;
    }
  }
}

async function readCommitted(file: string): Promise<Committed> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Committed;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`cannot read committed offsets ${file}`, { cause: err });
  }
}

