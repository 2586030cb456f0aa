// Consumer throughput only, interleaved: Kafka's ConsumerPerformance, a bare
// kafkajs consumer (eachBatch, no adapter) and the adapter's subscribe, on one
// topic written once by ProducerPerformance. Each Node contender runs in its
// own process (like the JVM), with a fresh group; rounds rotate the order so a
// neighbour's load hits every contender alike, and the table gives medians.
//
//   npx tsc -b && scripts/stack.sh start kafka && eval "$(scripts/stack.sh env)"
//   node bench/stack/kafka-consume.ts [records=200000] [bytes=1024] [rounds=3] [contenders]
//
// contenders: comma-separated names (default java,raw,adapter):
//   java      ConsumerPerformance (its defaults: fetch.max.bytes 50 MiB, 1 MiB a partition)
//   raw       kafkajs 2.2.4 bare: eachBatch, autoCommit, kafkajs's default fetch sizes
//   raw-big   the same with 8 MiB a partition / 32 MiB a fetch
//   adapter   KafkaEventBus.subscribe (maxBatchSize 500) from services/runtime/dist
//   alt       the same from ALT_RUNTIME_DIST (another build of @docpipe/runtime, for A/B)
//   adapter-big, alt-big   the same with 8 MiB a partition / 32 MiB a fetch
//   adapter-mid, alt-mid   the same with 4 MiB a partition / 10 MiB a fetch
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Runtime from '@docpipe/runtime';
import type * as RuntimeKafka from '@docpipe/runtime/kafka';
import { consumeCount, kafkaTool } from './kafka-common.ts';

const RUNTIME_DIST = fileURLToPath(new URL('../../services/runtime/dist', import.meta.url));
const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');
const MIB = 1024 * 1024;
const RUN_ID = randomBytes(3).toString('hex');

interface Result {
  name: string;
  records: number;
  /** Subscribe (or JVM tool start of consuming) to the last record. */
  seconds: number;
  /** First record to last. */
  fetchSeconds: number;
}

async function fill(topic: string, records: number, bytes: number): Promise<void> {
  await kafkaTool('ProducerPerformance', [
    '--topic', topic, '--num-records', String(records), '--record-size', String(bytes), '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${BROKERS.join(',')}`, 'acks=-1', 'compression.type=none', 'enable.idempotence=true',
  ]);
}

async function java(topic: string, records: number): Promise<Result> {
  const out = await kafkaTool('ConsumerPerformance', [
    '--bootstrap-server', BROKERS.join(','), '--topic', topic, '--messages', String(records),
    '--group', `bench-java-${RUN_ID}-${Math.random().toString(36).slice(2)}`, '--timeout', '60000',
  ]);
  const cols = out.trim().split('\n').pop()!.split(',').map((c) => c.trim());
  const n = Number(cols[4]);
  if (cols.length < 10 || !(n >= records)) throw new Error(`ConsumerPerformance said:\n${out}`);
  return { name: 'java', records: n, seconds: n / Number(cols[5]), fetchSeconds: Number(cols[7]) / 1000 };
}

/** Runs one Node contender in a child process of its own; it prints one JSON line. */
function child(name: string, topic: string, records: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', name, topic, String(records)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Result) : reject(new Error(`${name} exited ${code}: ${out}`))));
  });
}

/** A bare kafkajs consumer: the ceiling of anything built on kafkajs. */
async function consumeRaw(name: string, topic: string, records: number): Promise<Result> {
  const { default: kafkajs } = await import('kafkajs');
  const big = name === 'raw-big' ? { maxBytesPerPartition: 8 * MIB, maxBytes: 32 * MIB } : {};
  const kafka = new kafkajs.Kafka({ brokers: BROKERS, clientId: `bench-raw-${RUN_ID}`, logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-${name}-${RUN_ID}-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 1000, ...big });
  let seen = 0;
  let first = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const started = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (first === 0) first = performance.now();
      seen += batch.messages.length;
      if (seen >= records) done();
    },
  });
  await all;
  const end = performance.now();
  await consumer.disconnect();
  return { name, records: seen, seconds: (end - started) / 1000, fetchSeconds: (end - first) / 1000 };
}

/** The adapter's subscribe, as the services use it. */
async function consumeAdapter(name: string, topic: string, records: number): Promise<Result> {
  const dist = name.startsWith('alt') ? process.env['ALT_RUNTIME_DIST']! : RUNTIME_DIST;
  const runtime = (await import(pathToFileURL(`${dist}/index.js`).href)) as typeof Runtime;
  const kafka = (await import(pathToFileURL(`${dist}/adapters/kafka/index.js`).href)) as typeof RuntimeKafka;
  const logger = runtime.createLogger({ name: 'bench', level: 'fatal', format: 'json' });
  const consumer = name.endsWith('-big') ? { maxBytesPerPartition: 8 * MIB, maxBytes: 32 * MIB } : name.endsWith('-mid') ? { maxBytesPerPartition: 4 * MIB, maxBytes: 10 * MIB } : {};
  const bus = await kafka.openKafkaEventBus({ brokers: BROKERS, clientId: `bench-${name}-${RUN_ID}`, logger, compression: 'none', consumer });
  try {
    return { name, ...(await consumeCount(bus, topic, records, `bench-${name}-${RUN_ID}-${Math.random().toString(36).slice(2)}`)) };
  } finally {
    await bus.close();
  }
}

async function asChild(): Promise<void> {
  const [, , , name, topic, records] = process.argv;
  const consume = name!.startsWith('raw') ? consumeRaw : consumeAdapter;
  const result = await consume(name!, topic!, Number(records));
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const records = Number(process.argv[2] ?? 200_000);
  const bytes = Number(process.argv[3] ?? 1024);
  const rounds = Number(process.argv[4] ?? 3);
  const names = (process.argv[5] ?? 'java,raw,adapter').split(',');
  const topic = `bench-consume-${RUN_ID}-${bytes}`;
  const { default: kafkajs } = await import('kafkajs');
  const admin = new kafkajs.Kafka({ brokers: BROKERS, clientId: `bench-${RUN_ID}-admin`, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  process.stdout.write(`consumers on ${records} × ${bytes} B, ${cpus().length}× ${cpus()[0]?.model.trim()}, node ${process.version}, ${new Date().toISOString()}\n`);
  try {
    await fill(topic, records, bytes);
    const results: Result[] = [];
    process.stdout.write('| round | contender | s (incl. join) | MB/s | after join: MB/s | load before |\n|---|---|---|---|---|---|\n');
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length]!;
        const before = load();
        const r = name === 'java' ? await java(topic, records) : await child(name, topic, records);
        results.push(r);
        const mb = (s: number) => ((r.records * bytes) / MIB / s).toFixed(1);
        process.stdout.write(`| ${round + 1} | ${name} | ${r.seconds.toFixed(2)} | ${mb(r.seconds)} | ${mb(r.fetchSeconds)} | ${before} |\n`);
      }
    }
    summary(results, names, bytes);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

function summary(results: Result[], names: string[], bytes: number): void {
  const rate = (r: Result, s: number) => (r.records * bytes) / MIB / s;
  const med = (name: string, pick: (r: Result) => number) => median(results.filter((r) => r.name === name).map(pick));
  const java = names.includes('java') ? { all: med('java', (r) => rate(r, r.seconds)), fetch: med('java', (r) => rate(r, r.fetchSeconds)) } : undefined;
  process.stdout.write(`\n| contender | median MB/s (incl. join) | × java | median MB/s after join | × java |\n|---|---|---|---|---|\n`);
  for (const name of names) {
    const all = med(name, (r) => rate(r, r.seconds));
    const fetch = med(name, (r) => rate(r, r.fetchSeconds));
    const x = (a: number, b?: number) => (b ? `${(a / b).toFixed(2)}×` : '');
    process.stdout.write(`| ${name} | ${all.toFixed(1)} | ${x(all, java?.all)} | ${fetch.toFixed(1)} | ${x(fetch, java?.fetch)} |\n`);
  }
  process.stdout.write(`load at the end: ${load()}\n`);
}

if (process.argv[2] === '--child') await asChild();
else await main();
