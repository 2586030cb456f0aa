import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PartitionLog } from './partition-log.js';
import { MemoryRecordStore } from './records.js';
import { SegmentFile } from './segment-file.js';

/** Kafka's legal topic names; they are also safe as directory names. */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export interface Topic {
  name: string;
  partitions: PartitionLog[];
}

/** Throws unless `name` is a legal Kafka topic name. */
export function assertTopicName(name: string): void {
  if (!TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new Error(`invalid topic name ${JSON.stringify(name)}: use 1-249 of [A-Za-z0-9._-]`);
  }
}

/**
 * Opens a topic, creating it with `partitions` partitions on first use. On
 * disk: `<dir>/topics/<topic>/meta.json` and one `<partition>.log` segment per
 * partition; an existing topic keeps the partition count it was created with.
 */
export async function openTopic(name: string, partitions: number, dir: string | undefined): Promise<Topic> {
  assertTopicName(name);
  if (!dir) {
    return { name, partitions: range(partitions).map((p) => new PartitionLog(name, p, new MemoryRecordStore())) };
  }
  const topicDir = join(dir, 'topics', name);
  const count = await partitionCount(topicDir, partitions);
  const logs: PartitionLog[] = [];
  try {
    for (const p of range(count)) logs.push(new PartitionLog(name, p, await SegmentFile.open(join(topicDir, `${p}.log`))));
  } catch (err) {
    await Promise.all(logs.map((l) => l.close()));
    throw err;
  }
  await syncDir(topicDir);
  return { name, partitions: logs };
}

async function partitionCount(topicDir: string, wanted: number): Promise<number> {
  const metaFile = join(topicDir, 'meta.json');
  try {
    const meta = JSON.parse(await readFile(metaFile, 'utf8')) as { partitions: number };
    return meta.partitions;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${metaFile}`, { cause: err });
  }
  await mkdir(topicDir, { recursive: true });
  // Temp file + rename: a crash never leaves a half-written meta.json behind.
  await writeFile(`${metaFile}.tmp`, JSON.stringify({ partitions: wanted }), { flush: true });
  await rename(`${metaFile}.tmp`, metaFile);
  return wanted;
}

/** Makes new directory entries durable (Linux); ignored where a directory cannot be opened. */
async function syncDir(path: string): Promise<void> {
  try {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported on every platform; the data files themselves are fsync'd.
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
