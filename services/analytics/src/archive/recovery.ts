import { parseCommittedFileName } from './layout.js';
import { joinPath, type ArchiveStore } from './store.js';

const LEVELS = ['year', 'month', 'day', 'hour'] as const;

/**
 * The largest end offset already archived per partition of a topic, read
 * from the committed file names (as the Confluent sink recovers its offsets).
 * Walks the topic's year=, month=, day= and hour= directories; other names are ignored.
 */
export async function archivedEnds(store: ArchiveStore, topic: string): Promise<Map<number, bigint>> {
  const ends = new Map<number, bigint>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    const names = await store.list(dir);
    if (depth === LEVELS.length) {
      for (const name of names) record(ends, parseCommittedFileName(topic, name));
      return;
    }
    const level = new RegExp(`^${LEVELS[depth]}=\\d+$`);
    for (const name of names.filter((n) => level.test(n))) await walk(joinPath(dir, name), depth + 1);
  };
  await walk(topic, 0);
  return ends;
}

function record(ends: Map<number, bigint>, file: { partition: number; end: bigint } | undefined): void {
  if (!file) return;
  const known = ends.get(file.partition);
  if (known === undefined || file.end > known) ends.set(file.partition, file.end);
}
