// The Kafka adapter (KafkaEventBus) side by side with Kafka's own
// ProducerPerformance / ConsumerPerformance on the same broker.
//
//   npx tsc -b && scripts/stack.sh start kafka && eval "$(scripts/stack.sh env)"
//   node bench/stack/kafka.ts [records of 1 KiB] [records of 20 KiB]     (default 200000 20000)
//
// Needs the stack's Kafka running (KAFKA_BROKERS; default 127.0.0.1:19092); it
// does not start it. Every run makes fresh topics (3 partitions, replication 1,
// broker defaults otherwise) and deletes them at the end. Same record sizes,
// acks=-1 and idempotence on both sides; compression none on both sides, and
// ours once more with gzip. MB = MiB, as the Kafka tools count.
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import type { EncodedMessage, TopicName } from '@docpipe/contracts';
import { createLogger } from '@docpipe/runtime';
import { openKafkaEventBus, type KafkaEventBus } from '@docpipe/runtime/kafka';
import kafkajs from 'kafkajs';
import { consumeCount, kafkaTool } from './kafka-common.ts';

const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');
const MIB = 1024 * 1024;
const PUBLISH_BATCH = 500;
const RUN_ID = randomBytes(3).toString('hex');
const logger = createLogger({ name: 'bench-kafka', level: 'fatal', format: 'json' });

interface Rate {
  label: string;
  records: number;
  seconds: number;
  /** Seconds after the group join (consumers): first record to last. */
  fetchSeconds?: number;
  note?: string;
}

const mbps = (r: Rate, bytes: number, s = r.seconds): number => (r.records * bytes) / MIB / s;

/** `count` distinct payloads of exactly `size` bytes: A–Z like ProducerPerformance for 1 KiB, embedding-like JSON for 20 KiB. */
function payloads(size: number, count = 64): Buffer[] {
  return Array.from({ length: count }, () => {
    if (size < 4096) return Buffer.from(Array.from({ length: size }, () => String.fromCharCode(65 + Math.floor(Math.random() * 26))).join(''));
    const floats = Array.from({ length: 2048 }, () => (Math.random() * 2 - 1).toFixed(9));
    return Buffer.from(`[${floats.join(',')}]`).subarray(0, size);
  });
}

async function javaProduce(topic: string, records: number, size: number): Promise<Rate> {
  const out = await kafkaTool('ProducerPerformance', [
    '--topic', topic, '--num-records', String(records), '--record-size', String(size), '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${BROKERS.join(',')}`, 'acks=-1', 'compression.type=none', 'enable.idempotence=true',
  ]);
  const last = out.trim().split('\n').filter((l) => l.includes('records sent')).pop() ?? '';
  const m = /^(\d+) records sent, ([\d.]+) records\/sec/.exec(last);
  if (!m) throw new Error(`ProducerPerformance said:\n${out}`);
  return { label: 'ProducerPerformance (Java), none', records: Number(m[1]), seconds: Number(m[1]) / Number(m[2]) };
}

async function javaConsume(topic: string, records: number): Promise<Rate> {
  const out = await kafkaTool('ConsumerPerformance', [
    '--bootstrap-server', BROKERS.join(','), '--topic', topic, '--messages', String(records),
    '--group', `bench-java-${RUN_ID}-${topic}`, '--timeout', '60000',
  ]);
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const cols = out.trim().split('\n').pop()!.split(',').map((c) => c.trim());
  const n = Number(cols[4]);
  if (cols.length < 10 || !(n >= records)) throw new Error(`ConsumerPerformance said:\n${out}`);
  const total = n / Number(cols[5]);
  return { label: 'ConsumerPerformance (Java)', records: n, seconds: total, fetchSeconds: Number(cols[7]) / 1000 };
}

async function openBus(compression: 'gzip' | 'none'): Promise<KafkaEventBus> {
  return openKafkaEventBus({ brokers: BROKERS, clientId: `bench-${RUN_ID}`, logger, compression });
}

/** `n` keyless messages, cycling through `values` from index `from`. */
function messagesOf(values: Buffer[], from: number, n: number): EncodedMessage[] {
  return Array.from({ length: n }, (_, i) => ({ key: '', value: values[(from + i) % values.length]!, headers: {} }));
}

/**
 * Publishes `records` keyless messages in calls of PUBLISH_BATCH, as the services
 * publish a batch; the adapter splits each call into produce requests under the
 * broker's message.max.bytes.
 */
async function ourProduce(topic: string, records: number, size: number, compression: 'gzip' | 'none'): Promise<Rate> {
  const values = payloads(size);
  const bus = await openBus(compression);
  try {
    const started = performance.now();
    for (let sent = 0; sent < records; sent += PUBLISH_BATCH) {
      await bus.publish(topic as TopicName, messagesOf(values, sent, Math.min(PUBLISH_BATCH, records - sent)));
    }
    const seconds = (performance.now() - started) / 1000;
    return { label: `KafkaEventBus.publish, ${compression}, ${PUBLISH_BATCH}/call`, records, seconds };
  } finally {
    await bus.close();
  }
}

async function ourConsume(topic: string, records: number, label: string): Promise<Rate> {
  const bus = await openBus('none');
  try {
    return { label, ...(await consumeCount(bus, topic, records, `bench-ours-${RUN_ID}-${topic}`)) };
  } finally {
    await bus.close();
  }
}

async function withTopics<T>(names: string[], fn: () => Promise<T>): Promise<T> {
  const bus = await openBus('none');
  await bus.ensureTopics(names.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })));
  try {
    return await fn();
  } finally {
    await bus.close();
    const admin = new kafkajs.Kafka({ brokers: BROKERS, clientId: `bench-${RUN_ID}-admin`, logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: names }).catch(() => undefined);
    await admin.disconnect();
  }
}

function table(size: number, rows: Rate[], javaProducer: Rate, javaConsumer: Rate): string {
  const lines = ['| side | records | s | records/s | MB/s | × Java MB/s | after join: MB/s | note |', '|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const reference = r.fetchSeconds === undefined ? javaProducer : javaConsumer;
    const ratio = mbps(r, size) / mbps(reference, size);
    const afterJoin = r.fetchSeconds === undefined ? '' : mbps(r, size, r.fetchSeconds).toFixed(1);
    const joinRatio = r.fetchSeconds === undefined ? '' : ` (${(mbps(r, size, r.fetchSeconds) / mbps(javaConsumer, size, javaConsumer.fetchSeconds)).toFixed(2)}×)`;
    lines.push(
      `| ${r.label} | ${r.records} | ${r.seconds.toFixed(2)} | ${(r.records / r.seconds).toFixed(0)} | ${mbps(r, size).toFixed(1)} | ${ratio.toFixed(2)}× | ${afterJoin}${joinRatio} | ${r.note ?? ''} |`,
    );
  }
  return lines.join('\n');
}

async function bench(records: number, size: number): Promise<void> {
  const t = (what: string) => `bench-kafka-${RUN_ID}-${size}-${what}`;
  const topics = { java: t('java'), none: t('ours-none'), gzip: t('ours-gzip') };
  await withTopics(Object.values(topics), async () => {
    const javaProducer = await javaProduce(topics.java, records, size);
    const javaConsumer = await javaConsume(topics.java, records);
    const oursConsumer = await ourConsume(topics.java, records, 'KafkaEventBus.subscribe (maxBatchSize 500), same topic');
    const oursNone = await ourProduce(topics.none, records, size, 'none');
    const oursGzip = await ourProduce(topics.gzip, records, size, 'gzip');
    const oursGzipConsumer = await ourConsume(topics.gzip, records, 'KafkaEventBus.subscribe, the gzip topic');
    process.stdout.write(`\n### ${records} × ${size} B (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})\n\n`);
    process.stdout.write(`${table(size, [javaProducer, oursNone, oursGzip, javaConsumer, oursConsumer, oursGzipConsumer], javaProducer, javaConsumer)}\n`);
  });
}

async function main(): Promise<void> {
  const small = Number(process.argv[2] ?? 200_000);
  const large = Number(process.argv[3] ?? 20_000);
  process.stdout.write(`Kafka adapter vs Kafka tools on ${BROKERS.join(',')}: ${cpus().length}× ${cpus()[0]?.model.trim()}, node ${process.version}\n`);
  process.stdout.write('Consumers: "s" includes the group join; "after join" is first record to last (ConsumerPerformance: fetch.time.ms).\n');
  if (small > 0) await bench(small, 1024);
  if (large > 0) await bench(large, 20 * 1024);
}

await main();
