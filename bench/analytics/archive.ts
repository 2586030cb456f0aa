// The archive writer's throughput: records/s from the bus into archive files,
// to a local directory and (when WEBHDFS_URL is set) through WebHDFS to HDFS.
//
//   npx tsc -b && node bench/analytics/archive.ts [records=1000000] [kind=small|embedding] [flushSize=1000]
//   # with HDFS: scripts/stack.sh start hdfs && eval "$(scripts/stack.sh env)" first
//
// The records are published first to an in-memory embedded bus (3 partitions),
// so the timed part is consuming them and writing the files, final flush
// included. "bus only" is a subscriber that just counts, for the bus's share.
// small: ~120 B documents.raw-like values; embedding: 1536-float vectors (~20 KB).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TopicName } from '@docpipe/contracts';
import { ArchiveWriter, LocalArchiveStore, WebHdfsArchiveStore, type ArchiveStore } from '@docpipe/analytics';
import { createLogger, openEmbeddedEventBus, type EmbeddedEventBus } from '@docpipe/runtime';

const RECORDS = Number(process.argv[2] ?? 1_000_000);
const KIND = process.argv[3] ?? 'small';
const FLUSH_SIZE = Number(process.argv[4] ?? 1000);
const TOPIC = 'bench.archive' as TopicName;
const logger = createLogger({ name: 'bench-archive', level: 'fatal', format: 'json' });

function value(i: number): Buffer {
  if (KIND === 'embedding') {
    const vector = Array.from({ length: 1536 }, (_, k) => Math.sin(i + k));
    return Buffer.from(JSON.stringify({ chunk_id: `c-${i}`, document_id: `d-${i >> 6}`, company_id: 'acme', vector, embedded_at: 1_736_046_000_000 + i }));
  }
  return Buffer.from(JSON.stringify({ document_id: `d-${i}`, company_id: 'acme', s3_path: `s3://bench/acme/d-${i}.pdf`, size_bytes: i }));
}

async function filledBus(): Promise<EmbeddedEventBus> {
  const bus = await openEmbeddedEventBus({ logger, partitions: 3 });
  const batch = KIND === 'embedding' ? 200 : 10_000;
  for (let i = 0; i < RECORDS; i += batch) {
    const n = Math.min(batch, RECORDS - i);
    await bus.publish(TOPIC, Array.from({ length: n }, (_, k) => ({ key: '', value: value(i + k), headers: {} })));
  }
  return bus;
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

async function busOnly(): Promise<number> {
  const bus = await filledBus();
  let seen = 0;
  const t0 = performance.now();
  const sub = await bus.subscribe({ groupId: 'count', topics: [TOPIC], maxBatchSize: FLUSH_SIZE, handleBatch: async (b) => void (seen += b.messages.length) });
  await until(() => seen >= RECORDS);
  await sub.stop();
  const ms = performance.now() - t0;
  await bus.close();
  return ms;
}

async function archive(store: ArchiveStore): Promise<{ ms: number; files: number }> {
  const bus = await filledBus();
  const writer = new ArchiveWriter({ bus, store, logger, topics: [TOPIC], flushSize: FLUSH_SIZE, rotateMs: 3_600_000 });
  const t0 = performance.now();
  await writer.start();
  await until(() => writer.stats().accepted >= RECORDS);
  await writer.stop();
  const ms = performance.now() - t0;
  const { files, archived } = writer.stats();
  if (archived !== RECORDS) throw new Error(`archived ${archived} of ${RECORDS}`);
  await bus.close();
  return { ms, files };
}

function line(name: string, ms: number, extra = ''): void {
  const rate = Math.round((RECORDS / ms) * 1000);
  process.stdout.write(`${name.padEnd(22)} ${(ms / 1000).toFixed(1).padStart(7)} s  ${String(rate).padStart(9)} records/s${extra}\n`);
}

process.stdout.write(`${RECORDS} ${KIND} records (${value(0).length} B each), flush size ${FLUSH_SIZE}, 3 partitions\n`);
line('bus only (count)', await busOnly());
const dir = await mkdtemp(join(tmpdir(), 'bench-archive-'));
try {
  const local = await archive(new LocalArchiveStore(dir));
  line('local disk', local.ms, `  ${local.files} files`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
const url = process.env['WEBHDFS_URL'];
if (url) {
  const root = `/bench-archive-${randomBytes(4).toString('hex')}`;
  const user = process.env['HDFS_USER'] ?? 'root';
  const hdfs = await archive(new WebHdfsArchiveStore({ url, user, root }));
  line('WebHDFS', hdfs.ms, `  ${hdfs.files} files`);
  await fetch(`${url}${root}?op=DELETE&recursive=true&user.name=${encodeURIComponent(user)}`, { method: 'DELETE' });
} else {
  process.stdout.write('WebHDFS: skipped (WEBHDFS_URL not set: scripts/stack.sh start hdfs; eval "$(scripts/stack.sh env)")\n');
}
