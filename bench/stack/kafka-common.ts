// What the two Kafka benchmarks (kafka.ts, kafka-consume.ts) share: Kafka's own
// tools, and consuming a topic through the EventBus port until N records arrived.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { EventBus } from '@docpipe/runtime';

const run = promisify(execFile);
const KAFKA_SH = fileURLToPath(new URL('../../scripts/kafka.sh', import.meta.url));

/** Runs one of Kafka's tools (`org.apache.kafka.tools.<main>`) on the stack's classpath; resolves its stdout. */
export async function kafkaTool(main: string, args: string[]): Promise<string> {
  const { stdout } = await run(KAFKA_SH, ['run-class', `org.apache.kafka.tools.${main}`, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 20 * 60_000 });
  return stdout;
}

/** How long consuming took: from subscribe, and from the first record (after the group join). */
export interface Consumed {
  records: number;
  seconds: number;
  fetchSeconds: number;
}

/** Subscribes `bus` to `topic` from the beginning, 500 per batch, until `records` arrived. */
export async function consumeCount(bus: Pick<EventBus, 'subscribe'>, topic: string, records: number, groupId: string): Promise<Consumed> {
  let seen = 0;
  let first = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const started = performance.now();
  await bus.subscribe({
    groupId,
    topics: [topic as never],
    fromBeginning: true,
    maxBatchSize: 500,
    handleBatch: async (batch) => {
      if (first === 0) first = performance.now();
      seen += batch.messages.length;
      if (seen >= records) done();
    },
  });
  await all;
  const end = performance.now();
  return { records: seen, seconds: (end - started) / 1000, fetchSeconds: (end - first) / 1000 };
}
