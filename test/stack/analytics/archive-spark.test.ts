/**
 * The analytics chain end to end on real parts: records on the real Kafka broker
 * → the archive writer → archive files on local disk and on a real HDFS (through
 * WebHDFS) → the real Spark job (file:// and hdfs://) and the DuckDB report →
 * exactly the rows the input implies, the same from all three.
 *
 *   DOCPIPE_STACK_COMPONENTS='kafka hdfs spark' DOCPIPE_KEEP_STACK=1 \
 *     npx vitest run --config vitest.stack.config.ts test/stack/analytics/archive-spark.test.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topics, type TopicName } from '@docpipe/contracts';
import {
  ArchiveWriter,
  embeddingLine,
  LocalArchiveStore,
  parseDay,
  partitionDirectory,
  readPartitionRows,
  runReport,
  WebHdfsArchiveStore,
  type ArchiveStore,
  type ReportRow,
} from '@docpipe/analytics';
import { createLogger } from '@docpipe/runtime';
import { ensureTopics, openKafkaEventBus, type KafkaEventBus } from '@docpipe/runtime/kafka';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv, webhdfsUrl } from '../env.js';
import { describeRun, runSparkJob, summaryOf } from './spark-job.js';

const logger = createLogger({ name: 'archive-spark-stack', level: process.env['DOCPIPE_TEST_LOG'] ?? 'warn' });
const id = randomBytes(4).toString('hex');
// Its own topic, so no other suite's records are archived; renamed to the real
// topic's directory afterwards, which is where the Spark job looks.
const TOPIC = `archive-spark-${id}.embeddings` as TopicName;
const HDFS_BASE = `/docpipe-archive-spark-${id}`;
const DAY = '2024-05-17';
const at = (time: string): number => Date.parse(`${DAY}T${time}Z`);

/** One record as it goes on the topic: a value and the record timestamp the archive partitions by. */
interface Input {
  value: string;
  timestamp: number;
}

/** Two companies, three documents, two hours of DAY, a redelivery, a malformed value and the next day. */
function inputs(): Input[] {
  const doc = (n: number) => `0190a1b2-c3d4-7e5f-8a9b-${String(n).padStart(12, '0')}`;
  const record = (d: number, company: string, chunk: number, time: string) => ({ value: embeddingLine(doc(d), company, chunk, at(time)), timestamp: at(time) });
  return [
    record(1, 'acme', 0, '09:15:00'),
    record(1, 'acme', 1, '09:15:01'),
    record(1, 'acme', 2, '23:59:59'),
    record(1, 'acme', 1, '23:59:59'), // redelivered: counted once
    record(2, 'acme', 0, '09:30:00'),
    record(3, 'beta', 0, '12:00:00'),
    record(3, 'beta', 1, '12:00:01'),
    { value: '{"chunk_id": truncated', timestamp: at('12:00:02') },
    { value: embeddingLine(doc(3), 'beta', 2, Date.parse('2024-05-18T00:00:00Z')), timestamp: Date.parse('2024-05-18T00:00:00Z') },
  ];
}

const EXPECTED: ReportRow[] = [
  { document_id: '0190a1b2-c3d4-7e5f-8a9b-000000000001', company_id: 'acme', chunk_count: 3n },
  { document_id: '0190a1b2-c3d4-7e5f-8a9b-000000000002', company_id: 'acme', chunk_count: 1n },
  { document_id: '0190a1b2-c3d4-7e5f-8a9b-000000000003', company_id: 'beta', chunk_count: 2n },
];

const sorted = (rows: ReportRow[]): ReportRow[] => [...rows].sort((a, b) => a.document_id.localeCompare(b.document_id));

describe('Kafka → archive writer → Spark and the DuckDB report', { timeout: 600_000 }, () => {
  const brokers = stackEnv('KAFKA_BROKERS').split(',');
  const kafka = new kafkajs.Kafka({ clientId: `archive-spark-${id}`, brokers, logLevel: kafkajs.logLevel.NOTHING });
  const buses: KafkaEventBus[] = [];
  let dir: string;

  /** Archives the whole topic into `store` with a writer of its own group, then stops it (which writes every buffer). */
  async function archiveInto(store: ArchiveStore, group: string, records: number): Promise<void> {
    const bus = await openKafkaEventBus({ brokers, clientId: `archive-spark-${id}`, logger, consumer: { maxWaitTimeMs: 250 } });
    buses.push(bus);
    const writer = new ArchiveWriter({ bus, store, logger, topics: [TOPIC], groupId: group, flushSize: 4, rotateMs: 3_600_000, checkIntervalMs: 0 });
    await writer.start();
    const deadline = Date.now() + 60_000;
    while (writer.stats().accepted < records) {
      if (Date.now() > deadline) throw new Error(`the writer accepted ${writer.stats().accepted} of ${records} records`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await writer.stop();
  }

  async function webhdfs(path: string, op: string, method: string, params: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(webhdfsUrl(path, op, params), { method });
    if (!res.ok) throw new Error(`WebHDFS ${op} ${path}: HTTP ${res.status} ${await res.text()}`);
    return res;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docpipe-archive-spark-'));
    // retention.ms=-1: the records carry 2024 timestamps, which time retention would delete at once.
    await ensureTopics({ brokers, clientId: `archive-spark-${id}`, logger }, [{ topic: TOPIC, numPartitions: 2, replicationFactor: 1, configs: { 'retention.ms': '-1' } }]);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const records = inputs();
    // Keyed by document, as embedding publishes: one document's records stay in order on one partition.
    await producer.send({
      topic: TOPIC,
      acks: -1,
      messages: records.map((r, i) => ({ key: (/"document_id":"([^"]+)"/.exec(r.value)?.[1] ?? `bad-${i}`), value: r.value, timestamp: String(r.timestamp) })),
    });
    await producer.disconnect();
  });

  afterAll(async () => {
    for (const bus of buses) await bus.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
    await admin.disconnect();
    await webhdfs(HDFS_BASE, 'DELETE', 'DELETE', { recursive: 'true' }).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gives the same rows from the archive on local disk: Spark (file://) and the DuckDB report', async () => {
    const topics = join(dir, 'topics');
    await archiveInto(new LocalArchiveStore(topics), `archive-spark-local-${id}`, inputs().length);
    await rename(join(topics, TOPIC), join(topics, Topics.embeddingsReady));

    const sparkOut = join(dir, 'spark');
    const run = await runSparkJob({ archive: `file://${topics}`, output: `file://${sparkOut}`, date: DAY, cwd: dir });
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(summaryOf(run)).toBe(`day=${DAY} rows=3 malformed=1`);
    expect(sorted(await readPartitionRows(partitionDirectory(sparkOut, parseDay(DAY))))).toEqual(EXPECTED);

    const duckOut = join(dir, 'duckdb');
    const result = await runReport({ archive: topics, output: duckOut, day: parseDay(DAY) }, logger);
    expect(result).toMatchObject({ rows: 3, malformed: 1 });
    expect(sorted(await readPartitionRows(partitionDirectory(duckOut, parseDay(DAY))))).toEqual(EXPECTED);
  });

  it('gives the same rows from the archive on HDFS: Spark reading hdfs://', async () => {
    const root = `${HDFS_BASE}/topics`;
    await archiveInto(new WebHdfsArchiveStore({ url: stackEnv('WEBHDFS_URL'), user: stackEnv('HDFS_USER'), root }), `archive-spark-hdfs-${id}`, inputs().length);
    await webhdfs(`${root}/${TOPIC}`, 'RENAME', 'PUT', { destination: `${root}/${Topics.embeddingsReady}` });

    const sparkOut = join(dir, 'spark-hdfs');
    const run = await runSparkJob({ archive: `${stackEnv('HDFS_URL')}${root}`, output: `file://${sparkOut}`, date: DAY, cwd: dir });
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(summaryOf(run)).toBe(`day=${DAY} rows=3 malformed=1`);
    expect(sorted(await readPartitionRows(partitionDirectory(sparkOut, parseDay(DAY))))).toEqual(EXPECTED);
  });
});
