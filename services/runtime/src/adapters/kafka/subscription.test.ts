import type { Consumer, ConsumerRunConfig, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../logging.js';
import type { MessageBatch } from '../../ports/event-bus.js';
import { CONSUMER_DEFAULTS } from './options.js';
import { KafkaSubscription } from './subscription.js';

const logger = createLogger({ name: 'test', level: 'silent' });

/** A kafkajs client whose one consumer only records what it is given. */
function fakeKafka() {
  const seen: { consumerConfig?: unknown; run?: ConsumerRunConfig } = {};
  const consumer = {
    events: { CRASH: 'consumer.crash' },
    on: () => undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config: ConsumerRunConfig) => {
      seen.run = config;
    },
    disconnect: async () => undefined,
  } as unknown as Consumer;
  const kafka = {
    consumer: (config: unknown) => {
      seen.consumerConfig = config;
      return consumer;
    },
  } as unknown as Kafka;
  return { kafka, seen };
}

/** A fetched batch of `n` records of partition 0, and what the handler did to kafkajs. */
function fakePayload(n: number) {
  const calls = { commits: [] as unknown[], resolved: [] as string[] };
  const messages = Array.from(
    { length: n },
    (_, i) => ({ offset: String(i), key: null, value: Buffer.from(String(i)), headers: {}, timestamp: '0' }) as unknown as KafkaMessage,
  );
  const payload = {
    batch: { topic: 't', partition: 0, messages },
    resolveOffset: (o: string) => calls.resolved.push(o),
    heartbeat: async () => undefined,
    commitOffsetsIfNecessary: async (offsets?: unknown) => {
      calls.commits.push(offsets);
    },
    uncommittedOffsets: () => ({ topics: [{ topic: 't', partitions: [{ partition: 0, offset: 'x' }] }] }),
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
  return { payload, calls };
}

async function started(handleBatch: (batch: MessageBatch) => Promise<void>, settings = {}) {
  const { kafka, seen } = fakeKafka();
  const subscription = new KafkaSubscription(
    { groupId: 'g', topics: ['t' as never], maxBatchSize: 500, handleBatch },
    { kafka, settings: { ...CONSUMER_DEFAULTS, ...settings }, retry: {}, logger },
  );
  await subscription.start();
  return { subscription, seen, eachBatch: seen.run!.eachBatch! };
}

describe('KafkaSubscription', () => {
  it('passes the fetch sizes and the commit interval to kafkajs', async () => {
    const { seen, subscription } = await started(async () => undefined, { maxBytesPerPartition: 4096, maxBytes: 8192, commitIntervalMs: 1234 });
    expect(seen.consumerConfig).toMatchObject({ groupId: 'g', maxBytesPerPartition: 4096, maxBytes: 8192 });
    expect(seen.run).toMatchObject({ autoCommit: true, autoCommitInterval: 1234, eachBatchAutoResolve: false });
    await subscription.stop();
  });

  it('delivers a long fetched batch in runs of maxBatchSize without forcing a commit after each run', async () => {
    const sizes: number[] = [];
    const { eachBatch, subscription } = await started(async (batch) => void sizes.push(batch.messages.length));
    const { payload, calls } = fakePayload(1200);
    await eachBatch(payload);
    expect(sizes).toEqual([500, 500, 200]);
    expect(calls.resolved).toEqual(['499', '999', '1199']);
    // Without offsets kafkajs commits only when the interval is up; it commits the rest after the batch.
    expect(calls.commits).toEqual([undefined, undefined, undefined]);
    await subscription.stop();
  });

  it('commits the resolved prefix explicitly before backing off after a failure', async () => {
    const { eachBatch, subscription } = await started(
      async (batch) => {
        batch.resolveOffset('1');
        throw new Error('down');
      },
      { retryBackoffMs: { initial: 1, max: 1 } },
    );
    const { payload, calls } = fakePayload(3);
    await eachBatch(payload);
    expect(calls.resolved).toEqual(['1']);
    expect(calls.commits).toEqual([{ topics: [{ topic: 't', partitions: [{ partition: 0, offset: 'x' }] }] }]);
    await subscription.stop();
  });
});
