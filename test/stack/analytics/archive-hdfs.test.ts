/**
 * The archive writer on the real Kafka broker, writing through WebHDFS to a
 * real HDFS (scripts/hdfs.sh): exact file names and contents, a restart that
 * writes no duplicate, and files a Hadoop client reads.
 *
 *   DOCPIPE_STACK_COMPONENTS='kafka hdfs' DOCPIPE_KEEP_STACK=1 \
 *     npx vitest run --config vitest.stack.config.ts test/stack/analytics/archive-hdfs.test.ts
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TopicName } from '@docpipe/contracts';
import { ArchiveWriter, WebHdfsArchiveStore } from '@docpipe/analytics';
import { createLogger } from '@docpipe/runtime';
import { ensureTopics, openKafkaEventBus, type KafkaEventBus } from '@docpipe/runtime/kafka';
import kafkajs, { type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv, webhdfsUrl } from '../env.js';

const run = promisify(execFile);
const HDFS_SH = fileURLToPath(new URL('../../../scripts/hdfs.sh', import.meta.url));
const logger = createLogger({ name: 'archive-hdfs-stack', level: process.env['DOCPIPE_TEST_LOG'] ?? 'warn' });

const id = randomBytes(4).toString('hex');
const A = `archive-stack-${id}.a` as TopicName;
const B = `archive-stack-${id}.b` as TopicName;
const ROOT = `/docpipe-stack/archive-${id}/topics`;
const T0959 = Date.parse('2024-03-10T09:59:59.000Z');
const T1000 = Date.parse('2024-03-10T10:00:00.000Z');
const H09 = 'year=2024/month=03/day=10/hour=09';
const H10 = 'year=2024/month=03/day=10/hour=10';

async function until(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('archive writer → WebHDFS on a real HDFS', () => {
  const brokers = stackEnv('KAFKA_BROKERS').split(',');
  const store = new WebHdfsArchiveStore({ url: stackEnv('WEBHDFS_URL'), user: stackEnv('HDFS_USER'), root: ROOT });
  const kafka = new kafkajs.Kafka({ clientId: `archive-stack-${id}`, brokers, logLevel: kafkajs.logLevel.NOTHING });
  let producer: Producer;
  const buses: KafkaEventBus[] = [];

  /** Produces values to one partition with one record timestamp (the EventBus port cannot set either). */
  async function produce(topic: string, partition: number, timestamp: number, values: string[]): Promise<void> {
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ partition, timestamp: String(timestamp), value })) });
  }

  async function writer(groupId: string): Promise<ArchiveWriter> {
    const bus = await openKafkaEventBus({ brokers, clientId: `archive-stack-${id}`, logger, consumer: { maxWaitTimeMs: 250 } });
    buses.push(bus);
    const w = new ArchiveWriter({ bus, store, logger, topics: [A, B], groupId, flushSize: 2, rotateMs: 3_600_000, checkIntervalMs: 0 });
    await w.start();
    return w;
  }

  beforeAll(async () => {
    // retention.ms=-1: the records carry 2024 timestamps, which time retention would delete at once.
    const specs = [A, B].map((topic) => ({ topic, numPartitions: 2, replicationFactor: 1, configs: { 'retention.ms': '-1' } }));
    await ensureTopics({ brokers, clientId: `archive-stack-${id}`, logger }, specs);
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    for (const bus of buses) await bus.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [A, B] }).catch(() => undefined);
    await admin.disconnect();
    await fetch(webhdfsUrl(`/docpipe-stack/archive-${id}`, 'DELETE', { recursive: 'true' }), { method: 'DELETE' });
  });

  it('writes the exact files, adds no duplicate when a writer starts over, and Hadoop reads them', async () => {
    await produce(A, 0, T0959, ['{"a":0}', '{"a":1}', '{"a":2}']);
    await produce(A, 0, T1000, ['{"a":3}', '{"a":4}']);
    await produce(A, 1, T1000 + 500, ['{"a":10}', '{"a":11}']);
    await produce(B, 0, T1000, ['not json\nline two']);

    const first = await writer(`docpipe-archive-stack-${id}`);
    await until('8 records', () => first.stats().accepted === 8);
    await first.stop();

    expect(await store.list(`${A}/${H09}`)).toEqual([`${A}+0+0000000000+0000000001.json`, `${A}+0+0000000002+0000000002.json`]);
    expect(await store.list(`${A}/${H10}`)).toEqual([`${A}+0+0000000003+0000000004.json`, `${A}+1+0000000000+0000000001.json`]);
    expect(await store.list(`${B}/${H10}`)).toEqual([`${B}+0+0000000000+0000000000.json`]);
    const read = async (path: string): Promise<string> => (await store.read(path)).toString('utf8');
    expect(await read(`${A}/${H09}/${A}+0+0000000000+0000000001.json`)).toBe('{"a":0}\n{"a":1}\n');
    expect(await read(`${A}/${H09}/${A}+0+0000000002+0000000002.json`)).toBe('{"a":2}\n');
    expect(await read(`${A}/${H10}/${A}+0+0000000003+0000000004.json`)).toBe('{"a":3}\n{"a":4}\n');
    expect(await read(`${A}/${H10}/${A}+1+0000000000+0000000001.json`)).toBe('{"a":10}\n{"a":11}\n');
    expect(await read(`${B}/${H10}/${B}+0+0000000000+0000000000.json`)).toBe('not json\\nline two\n');

    // A new group reads both topics from offset 0, as after commits were lost: the file names say what to skip.
    await produce(A, 1, T1000 + 1_000, ['{"a":12}']);
    const second = await writer(`docpipe-archive-stack-${id}-again`);
    await until('the redelivery', () => second.stats().skipped + second.stats().accepted === 9);
    await second.stop();
    expect(second.stats()).toMatchObject({ skipped: 8, accepted: 1, files: 1 });
    expect(await store.list(`${A}/${H10}`)).toEqual([
      `${A}+0+0000000003+0000000004.json`,
      `${A}+1+0000000000+0000000001.json`,
      `${A}+1+0000000002+0000000002.json`,
    ]);
    expect(await read(`${A}/${H10}/${A}+1+0000000002+0000000002.json`)).toBe('{"a":12}\n');

    // The Hadoop client (FsShell, the minicluster's jars) over the RPC port sees the same bytes.
    const hdfs = stackEnv('HDFS_URL');
    const { stdout } = await run(HDFS_SH, ['dfs', '-cat', `${hdfs}${ROOT}/${A}/${H10}/${A}+0+0000000003+0000000004.json`, `${hdfs}${ROOT}/${B}/${H10}/${B}+0+0000000000+0000000000.json`], { timeout: 120_000 });
    expect(stdout).toBe('{"a":3}\n{"a":4}\nnot json\\nline two\n');
  });

  it('reports what the NameNode says when a call fails', async () => {
    await expect(store.read('no/such/file.json')).rejects.toThrow(/WebHDFS OPEN .*no\/such\/file\.json failed \(HTTP 404, FileNotFoundException\): File .* not found/);
  });
});
