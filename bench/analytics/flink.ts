// The Flink job (jobs/flink/job.py, PyFlink mini-cluster, bounded) over N embeddings.ready
// events on the real broker, end to end: events/s including the JVM and job start, and the
// same with that fixed cost measured on an empty topic taken off. Then the TypeScript window
// counter (local mode's stand-in) over the same events: the pure core on the values in memory,
// and fed from the broker by KafkaEventBus.subscribe. Both results are compared window by window.
//
//   npx tsc -b && scripts/stack.sh start kafka flink && eval "$(scripts/stack.sh env)"
//   node --experimental-transform-types --no-warnings --import ./bench/stack/ts-hooks.mjs \
//     bench/analytics/flink.ts [events=1000000] [companies=100]
//
// Events: ~330 B each (a 3-float vector: the job never reads the vector, and 1M real 1536-d
// vectors would be 20 GB on this machine's broker), one partition (so Flink's per-partition
// watermark and the stand-in's single one agree), embedded_at advancing 6 ms per event with up
// to ±10 s of disorder (within the 30 s bound) and 1 % redeliveries of an earlier chunk.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chunkId, decode, Topics, type AnalyticsWindow, type EncodedMessage, type TopicName } from '@docpipe/contracts';
import { countWindows, parseWindowEvent, sortWindows, WindowCounter } from '@docpipe/analytics';
import { createLogger } from '@docpipe/runtime';
import { openKafkaEventBus, type KafkaEventBus } from '@docpipe/runtime/kafka';
import kafkajs from 'kafkajs';
import { runFlinkJob } from '../../test/stack/analytics/flink-job.ts';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const COMPANIES = Number(process.argv[3] ?? 100);
const WATERMARK_SECONDS = 30;
const T0 = 1_704_067_200_000;
const RUN_ID = Math.random().toString(16).slice(2, 8);
const logger = createLogger({ name: 'bench-flink', level: 'fatal', format: 'json' });

function loadStackEnv(): void {
  if (process.env['KAFKA_BROKERS'] && process.env['FLINK_PYTHON']) return;
  const stack = fileURLToPath(new URL('../../scripts/stack.sh', import.meta.url));
  for (const line of execFileSync(stack, ['env'], { encoding: 'utf8' }).split('\n')) {
    const m = /^export ([A-Z0-9_]+)='(.*)'$/.exec(line);
    if (m) process.env[m[1]!] ??= m[2]!;
  }
}

/** mulberry32: the same events on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function events(n: number): EncodedMessage[] {
  const rand = prng(42);
  const out: EncodedMessage[] = [];
  for (let i = 0; i < n; i++) {
    const redelivery = i > 100 && rand() < 0.01;
    const index = redelivery ? i - 1 - Math.floor(rand() * 100) : i;
    const company = `company-${index % COMPANIES}`;
    const documentId = `00000000-0000-4000-8000-${String(Math.floor(index / 16)).padStart(12, '0')}`;
    const embeddedAt = T0 + index * 6 + Math.floor((rand() * 2 - 1) * 10_000) + 10_000;
    const value = {
      chunk_id: chunkId(documentId, index % 16), document_id: documentId, company_id: company,
      vector: [0.25, -0.5, 0.125], chunk_index: index % 16, chunk_count: 16, model: 'bench', embedded_at: embeddedAt,
    };
    out.push({ key: documentId, value: Buffer.from(JSON.stringify(value)), headers: { 'schema-version': '1' } });
  }
  return out;
}

async function produce(bus: KafkaEventBus, topic: string, messages: EncodedMessage[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < messages.length; i += 500) await bus.publish(topic as TopicName, messages.slice(i, i + 500));
  return (performance.now() - started) / 1000;
}

async function readWindows(bus: KafkaEventBus, topic: string, expected: number): Promise<AnalyticsWindow[]> {
  const windows: AnalyticsWindow[] = [];
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const sub = await bus.subscribe({
    groupId: `bench-flink-read-${RUN_ID}`, topics: [topic as TopicName], fromBeginning: true, maxBatchSize: 500,
    handleBatch: async (batch) => {
      for (const m of batch.messages) {
        const d = decode(Topics.analyticsFlink, m.value);
        if (d.ok) windows.push(d.value);
      }
      if (windows.length >= expected) done();
    },
  });
  await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 60_000))]);
  await sub.stop();
  return windows;
}

/** The stand-in's inner loop (parse + WindowCounter.feed) fed by KafkaEventBus.subscribe. */
async function standInFromBroker(bus: KafkaEventBus, topic: string, n: number): Promise<{ seconds: number; windows: number }> {
  const counter = new WindowCounter({ watermarkMs: WATERMARK_SECONDS * 1000 });
  let seen = 0;
  let windows = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const started = performance.now();
  const sub = await bus.subscribe({
    groupId: `bench-flink-standin-${RUN_ID}`, topics: [topic as TopicName], fromBeginning: true, maxBatchSize: 500,
    handleBatch: async (batch) => {
      for (const m of batch.messages) {
        const parsed = parseWindowEvent(m.value);
        if (parsed.ok) windows += counter.feed(parsed.event).length;
      }
      seen += batch.messages.length;
      if (seen >= n) done();
    },
  });
  await all;
  windows += counter.flush().length;
  const seconds = (performance.now() - started) / 1000;
  await sub.stop();
  return { seconds, windows };
}

function sameWindows(a: AnalyticsWindow[], b: AnalyticsWindow[]): boolean {
  return JSON.stringify(sortWindows(a)) === JSON.stringify(sortWindows(b));
}

async function main(): Promise<void> {
  loadStackEnv();
  const brokers = process.env['KAFKA_BROKERS']!.split(',');
  const source = `bench-flink-${RUN_ID}-source`;
  const sink = `bench-flink-${RUN_ID}-sink`;
  const empty = `bench-flink-${RUN_ID}-empty`;
  const bus = await openKafkaEventBus({ brokers, clientId: `bench-flink-${RUN_ID}`, logger });
  await bus.ensureTopics([source, sink, empty, `${empty}-sink`].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })));
  try {
    const messages = events(EVENTS);
    const bytes = messages.reduce((s, m) => s + m.value.length, 0);
    const produceSeconds = await produce(bus, source, messages);
    const out = (s: string) => process.stdout.write(`${s}\n`);
    out(`Flink job vs window counter: ${EVENTS} events (${(bytes / EVENTS).toFixed(0)} B avg), ${COMPANIES} companies, 1 partition; ${cpus().length}× ${cpus()[0]?.model.trim()}, node ${process.version}`);
    out(`produced with KafkaEventBus.publish in ${produceSeconds.toFixed(1)} s (${(EVENTS / produceSeconds).toFixed(0)}/s); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

    const values = messages.map((m) => m.value);
    const coreStart = performance.now();
    const standIn = countWindows(values, WATERMARK_SECONDS);
    const coreSeconds = (performance.now() - coreStart) / 1000;
    const fromBroker = await standInFromBroker(bus, source, EVENTS);

    const idle = await runFlinkJob({ sourceTopic: empty, sinkTopic: `${empty}-sink`, groupId: `bench-flink-${RUN_ID}-e`, watermarkSeconds: WATERMARK_SECONDS });
    const flink = await runFlinkJob({ sourceTopic: source, sinkTopic: sink, groupId: `bench-flink-${RUN_ID}`, watermarkSeconds: WATERMARK_SECONDS, boundMs: 60 * 60_000 });
    if (flink.exitCode !== 0 || idle.exitCode !== 0) throw new Error(`flink job failed (${flink.exitCode}/${idle.exitCode}):\n${flink.stderr.slice(-3000)}`);
    const flinkWindows = await readWindows(bus, sink, standIn.windows.length);

    out('');
    out('| run | s | events/s | windows | late | skipped |');
    out('|---|---|---|---|---|---|');
    out(`| Flink job, bounded, end to end (python start → exit) | ${flink.seconds.toFixed(1)} | ${(EVENTS / flink.seconds).toFixed(0)} | ${flinkWindows.length} | n/a | ${flink.skipped} |`);
    out(`| same, minus the empty-topic run (${idle.seconds.toFixed(1)} s: JVM, planner, job start) | ${(flink.seconds - idle.seconds).toFixed(1)} | ${(EVENTS / (flink.seconds - idle.seconds)).toFixed(0)} | | | |`);
    out(`| window counter core (parse + feed + flush, values in memory) | ${coreSeconds.toFixed(2)} | ${(EVENTS / coreSeconds).toFixed(0)} | ${standIn.windows.length} | ${standIn.late} | ${standIn.malformed} |`);
    out(`| window counter fed by KafkaEventBus.subscribe (group join included) | ${fromBroker.seconds.toFixed(1)} | ${(EVENTS / fromBroker.seconds).toFixed(0)} | ${fromBroker.windows} | | |`);
    out('');
    out(`Flink and the stand-in agree window by window: ${sameWindows(flinkWindows, standIn.windows) ? 'yes' : 'NO'}`);
  } finally {
    await bus.close();
    const admin = new kafkajs.Kafka({ brokers, clientId: `bench-flink-${RUN_ID}-admin`, logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [source, sink, empty, `${empty}-sink`] }).catch(() => undefined);
    await admin.disconnect();
  }
}

await main();
