import { randomBytes } from 'node:crypto';
import type { EncodedMessage, TopicName } from '@docpipe/contracts';
import { createLogger, type BusMessage, type MessageBatch, type SubscribeOptions, type Subscription } from '@docpipe/runtime';
import { ensureTopics, openKafkaEventBus, parseBrokers, type KafkaEventBus, type KafkaEventBusOptions } from '@docpipe/runtime/kafka';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { partitionForKey } from '../../src/adapters/embedded/murmur2.js';
import { stackEnv } from '../../../../test/stack/env.js';

// The shared broker of scripts/stack.sh: every test uses topics and groups of its own.
const logger = createLogger({ name: 'kafka-stack-test', level: process.env['TEST_LOG_LEVEL'] ?? 'silent', format: 'json' });
const run = randomBytes(4).toString('hex');
let seq = 0;
const unique = (what: string) => `test.kafka.${run}.${what}.${++seq}`;

let brokers: string[] = [];
const buses: KafkaEventBus[] = [];
const subscriptions: Subscription[] = [];

beforeAll(() => {
  brokers = parseBrokers(stackEnv('KAFKA_BROKERS'));
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set: run with vitest.stack.config.ts');
});
afterEach(async () => {
  await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
});

function options(extra: Partial<KafkaEventBusOptions> = {}): KafkaEventBusOptions {
  return {
    brokers,
    clientId: `stack-test-${run}`,
    logger,
    consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, maxWaitTimeMs: 500, retryBackoffMs: { initial: 50, max: 500 } },
    ...extra,
  };
}

async function open(extra: Partial<KafkaEventBusOptions> = {}): Promise<KafkaEventBus> {
  const bus = await openKafkaEventBus(options(extra));
  buses.push(bus);
  return bus;
}

async function topic(partitions: number): Promise<TopicName> {
  const name = unique('topic') as TopicName;
  await ensureTopics(options(), [{ topic: name, numPartitions: partitions, replicationFactor: 1 }]);
  return name;
}

async function subscribe(bus: KafkaEventBus, opts: Omit<SubscribeOptions, 'topics'> & { topics: TopicName[] }): Promise<Subscription> {
  const sub = await bus.subscribe(opts);
  subscriptions.push(sub);
  return sub;
}

function msg(key: string, value: string, headers: Record<string, string> = { 'schema-version': '1' }): EncodedMessage {
  return { key, value: Buffer.from(value), headers };
}

function collector() {
  const seen: BusMessage[] = [];
  return {
    seen,
    values: () => seen.map((m) => m.value!.toString()),
    handleBatch: async (batch: MessageBatch) => void seen.push(...batch.messages),
  };
}

/** Resolves once `condition` holds; fails the test if it never does. */
async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const group = () => unique('group');

describe('KafkaEventBus on a real broker: publish and consume', () => {
  it('round-trips keys, values and headers; a key stays on its murmur2 partition, in offset order', async () => {
    const bus = await open();
    const t = await topic(3);
    const keys = Array.from({ length: 10 }, (_, i) => `doc-${i}`);
    const before = Date.now();
    for (let round = 0; round < 5; round++) {
      await bus.publish(t, keys.map((k) => msg(k, `${k}#${round}`, { 'schema-version': '1', traceparent: `tp-${k}-${round}` })));
    }
    await bus.publish(t, [{ key: 'bin', value: Buffer.from([0, 255, 10, 13]), headers: {} }]);
    const c = collector();
    await subscribe(bus, { groupId: group(), topics: [t], handleBatch: c.handleBatch });
    await until(() => c.seen.length === 51, 'all 51 messages');

    for (const key of keys) {
      const mine = c.seen.filter((m) => m.key === key);
      expect(mine.map((m) => m.value!.toString())).toEqual([0, 1, 2, 3, 4].map((r) => `${key}#${r}`));
      expect(mine.map((m) => m.headers)).toEqual([0, 1, 2, 3, 4].map((r) => ({ 'schema-version': '1', traceparent: `tp-${key}-${r}` })));
      // The same partition Java producers (and the embedded bus) choose.
      expect(new Set(mine.map((m) => m.partition))).toEqual(new Set([partitionForKey(key, 3)]));
    }
    for (const p of [0, 1, 2]) {
      const offsets = c.seen.filter((m) => m.partition === p).map((m) => Number(m.offset));
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
    const bin = c.seen.find((m) => m.key === 'bin')!;
    expect([...bin.value!]).toEqual([0, 255, 10, 13]);
    expect(bin.timestamp).toBeGreaterThanOrEqual(before - 1_000);
    expect(c.seen.every((m) => m.topic === t)).toBe(true);
  });

  it('delivers unkeyed messages with a null key, uncompressed too', async () => {
    const bus = await open({ compression: 'none' });
    const t = await topic(2);
    await bus.publish(t, [msg('', 'a'), msg('', 'b')]);
    const c = collector();
    await subscribe(bus, { groupId: group(), topics: [t], handleBatch: c.handleBatch });
    await until(() => c.seen.length === 2, 'both messages');
    expect(c.values().sort()).toEqual(['a', 'b']);
    expect(c.seen.every((m) => m.key === null)).toBe(true);
  });

  it('bounds each delivered batch by maxBatchSize', async () => {
    const bus = await open();
    const t = await topic(1);
    await bus.publish(t, Array.from({ length: 25 }, (_, i) => msg('k', String(i))));
    const sizes: number[] = [];
    const c = collector();
    await subscribe(bus, {
      groupId: group(),
      topics: [t],
      maxBatchSize: 10,
      handleBatch: async (b) => {
        sizes.push(b.messages.length);
        await c.handleBatch(b);
      },
    });
    await until(() => c.seen.length === 25, 'all 25');
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(c.values()).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
  });

  it('gives every group every message', async () => {
    const bus = await open();
    const t = await topic(3);
    const a = collector();
    const b = collector();
    await subscribe(bus, { groupId: group(), topics: [t], handleBatch: a.handleBatch });
    await subscribe(bus, { groupId: group(), topics: [t], handleBatch: b.handleBatch });
    await bus.publish(t, Array.from({ length: 50 }, (_, i) => msg(`k${i % 7}`, String(i))));
    await until(() => a.seen.length >= 50 && b.seen.length >= 50, 'both groups');
    const all = Array.from({ length: 50 }, (_, i) => String(i)).sort();
    expect(a.values().sort()).toEqual(all);
    expect(b.values().sort()).toEqual(all);
  });

  it('splits partitions between two members of one group, each message once', async () => {
    const bus = await open();
    const t = await topic(4);
    const g = group();
    const a = collector();
    const b = collector();
    await subscribe(bus, { groupId: g, topics: [t], handleBatch: a.handleBatch });
    await subscribe(bus, { groupId: g, topics: [t], handleBatch: b.handleBatch });
    // Warm up until both members own partitions: then the group is balanced.
    let sent = 0;
    while (a.seen.length === 0 || b.seen.length === 0) {
      await bus.publish(t, Array.from({ length: 8 }, (_, i) => msg(`warm${i}`, `warm-${sent++}`)));
      await new Promise((r) => setTimeout(r, 200));
      if (sent > 2_000) throw new Error('the group never gave the second member a partition');
    }
    await until(() => a.seen.length + b.seen.length >= sent, 'the warm-up');
    a.seen.length = 0;
    b.seen.length = 0;
    await bus.publish(t, Array.from({ length: 200 }, (_, i) => msg(`k${i}`, String(i))));
    await until(() => a.seen.length + b.seen.length >= 200, 'all 200');
    await new Promise((r) => setTimeout(r, 1_000)); // a duplicate would show up by now
    expect([...a.values(), ...b.values()].sort()).toEqual(Array.from({ length: 200 }, (_, i) => String(i)).sort());
    const pa = new Set(a.seen.map((m) => m.partition));
    const pb = new Set(b.seen.map((m) => m.partition));
    expect([...pa].filter((p) => pb.has(p))).toEqual([]);
    expect(pa.size + pb.size).toBe(4);
  });
});

describe('KafkaEventBus on a real broker: commits and redelivery', () => {
  it('commits the resolved prefix and redelivers only the rest after a throw', async () => {
    const bus = await open();
    const t = await topic(1);
    await bus.publish(t, Array.from({ length: 5 }, (_, i) => msg('k', String(i))));
    const deliveries: string[][] = [];
    let failed = false;
    await subscribe(bus, {
      groupId: group(),
      topics: [t],
      handleBatch: async (batch) => {
        deliveries.push(batch.messages.map((m) => m.value!.toString()));
        for (const m of batch.messages) {
          if (m.value!.toString() === '2' && !failed) {
            failed = true;
            throw new Error('transient');
          }
          batch.resolveOffset(m.offset);
        }
      },
    });
    await until(() => deliveries.flat().filter((v) => v === '4').length === 2, 'the redelivery');
    expect(deliveries).toEqual([
      ['0', '1', '2', '3', '4'],
      ['2', '3', '4'],
    ]);
  });

  it('keeps redelivering a failing batch and never skips it', async () => {
    const bus = await open();
    const t = await topic(1);
    await bus.publish(t, [msg('k', 'a'), msg('k', 'b')]);
    const seen: string[] = [];
    let attempts = 0;
    await subscribe(bus, {
      groupId: group(),
      topics: [t],
      handleBatch: async (batch) => {
        attempts += 1;
        // A TypeError would make kafkajs give up on the consumer if it ever reached it.
        if (attempts < 8) throw new TypeError('still down');
        seen.push(...batch.messages.map((m) => m.value!.toString()));
      },
    });
    await until(() => seen.length === 2, 'success after 7 failures');
    expect(attempts).toBe(8);
    expect(seen).toEqual(['a', 'b']);
  });

  it('stop() during backoff commits the resolved prefix; the next member gets only the rest', async () => {
    const bus = await open({ consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, maxWaitTimeMs: 500, retryBackoffMs: { initial: 600_000, max: 600_000 } } });
    const t = await topic(1);
    const g = group();
    await bus.publish(t, [msg('k', 'a'), msg('k', 'b'), msg('k', 'c')]);
    let called = false;
    const sub = await bus.subscribe({
      groupId: g,
      topics: [t],
      handleBatch: async (batch) => {
        called = true;
        batch.resolveOffset(batch.messages[0]!.offset);
        throw new Error('fail after the first');
      },
    });
    await until(() => called, 'the first delivery');
    await sub.stop(); // interrupts the ten-minute backoff
    const c = collector();
    await subscribe(bus, { groupId: g, topics: [t], handleBatch: c.handleBatch });
    await until(() => c.seen.length === 2, 'the rest');
    expect(c.values()).toEqual(['b', 'c']);
  });

  it('a new subscription in the same group resumes from the committed offsets', async () => {
    const bus = await open();
    const t = await topic(2);
    const g = group();
    await bus.publish(t, [msg('x', 'one'), msg('y', 'two'), msg('z', 'three')]);
    const first = collector();
    const sub = await bus.subscribe({ groupId: g, topics: [t], handleBatch: first.handleBatch });
    await until(() => first.seen.length === 3, 'the first three');
    await sub.stop();
    await bus.publish(t, [msg('x', 'four'), msg('y', 'five')]);
    const second = collector();
    await subscribe(bus, { groupId: g, topics: [t], handleBatch: second.handleBatch });
    await until(() => second.seen.length === 2, 'the two new ones');
    await new Promise((r) => setTimeout(r, 1_000)); // an old message would show up by now
    expect(second.values().sort()).toEqual(['five', 'four']);
  });

  it('starts a new group at the end of the log when fromBeginning is false', async () => {
    const bus = await open();
    const t = await topic(1);
    await bus.publish(t, [msg('k', 'old')]);
    const c = collector();
    await subscribe(bus, { groupId: group(), topics: [t], handleBatch: c.handleBatch, fromBeginning: false });
    // kafkajs fixes "the end" at the group's first fetch, just after subscribe resolves:
    // publish until something arrives, then check that history never did.
    for (let i = 0; c.seen.length === 0; i++) {
      if (i === 100) throw new Error('nothing published after subscribe arrived');
      await bus.publish(t, [msg('k', `new-${i}`)]);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(c.values().length).toBeGreaterThan(0);
    expect(c.values().every((v) => v.startsWith('new-'))).toBe(true);
  });

  it('heartbeats while a handler runs longer than the session timeout, so nothing is redelivered', async () => {
    const bus = await open({ consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, maxWaitTimeMs: 500 } });
    const t = await topic(1);
    await bus.publish(t, [msg('k', 'slow')]);
    const deliveries: string[] = [];
    await subscribe(bus, {
      groupId: group(),
      topics: [t],
      handleBatch: async (batch) => {
        deliveries.push(...batch.messages.map((m) => m.value!.toString()));
        if (deliveries.length === 1) await new Promise((r) => setTimeout(r, 9_000));
      },
    });
    await until(() => deliveries.length >= 1, 'the delivery');
    await new Promise((r) => setTimeout(r, 12_000));
    expect(deliveries).toEqual(['slow']);
  });
});

describe('KafkaEventBus on a real broker: topics and readiness', () => {
  it('ensureTopics creates, tolerates existing topics and adds partitions', async () => {
    const name = unique('ensure');
    const other = unique('ensure');
    const first = await ensureTopics(options(), [
      { topic: name, numPartitions: 2, replicationFactor: 1, configs: { 'retention.ms': '3600000' } },
    ]);
    expect(first).toEqual({ created: [name], grown: [] });
    const again = await ensureTopics(options(), [
      { topic: name, numPartitions: 4, replicationFactor: 1 },
      { topic: other, numPartitions: 1, replicationFactor: 1 },
    ]);
    expect(again).toEqual({ created: [other], grown: [{ topic: name, from: 2, to: 4 }] });
    const bus = await open();
    expect(await bus.ensureTopics([{ topic: name, numPartitions: 3, replicationFactor: 1 }])).toEqual({ created: [], grown: [] });
    // Four partitions now: every one of them takes messages.
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    await bus.publish(name as TopicName, keys.map((k) => msg(k, k)));
    const c = collector();
    await subscribe(bus, { groupId: group(), topics: [name as TopicName], handleBatch: c.handleBatch });
    await until(() => c.seen.length === keys.length, 'all keys');
    expect(new Set(c.seen.map((m) => m.partition))).toEqual(new Set(keys.map((k) => partitionForKey(k, 4))));
  });

  it('answers ping: true for the broker, false for a port nothing listens on', async () => {
    const bus = await open();
    expect(await bus.ping()).toBe(true);
    const nowhere = await open({ brokers: ['127.0.0.1:1'], pingTimeoutMs: 1_000, retry: { retries: 0 } });
    expect(await nowhere.ping()).toBe(false);
  });

  it('rejects publish after close', async () => {
    const bus = await open();
    const t = await topic(1);
    await bus.publish(t, [msg('k', 'v')]);
    await bus.close();
    expect(await bus.ping()).toBe(false);
    await expect(bus.publish(t, [msg('k', 'v')])).rejects.toThrow('closed');
  });
});

describe('a publish larger than one produce request', () => {
  it('delivers 500 embedding-sized messages (10 MB) in one publish call, in order per key', async () => {
    const bus = await open({ compression: 'none' });
    const name = await topic(1); // one partition: everything would land in one broker batch
    const vector = JSON.stringify(Array.from({ length: 1536 }, (_, i) => Math.sin(i) * 0.0123456789));
    const messages = Array.from({ length: 500 }, (_, i) => msg(`doc-${i % 3}`, `${i}:${vector}`));
    expect(messages.reduce((n, m) => n + m.value.length, 0)).toBeGreaterThan(10_000_000);
    await bus.publish(name, messages);
    const c = collector();
    await subscribe(bus, { groupId: group(), topics: [name], handleBatch: c.handleBatch });
    await until(() => c.seen.length === 500, '500 messages');
    expect(c.values().map((v) => Number(v.split(':')[0]))).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('is refused by the broker when sent as one request (why the adapter splits)', async () => {
    const bus = await open({ compression: 'none', maxRequestBytes: 1e9, retry: { retries: 0 } });
    const name = await topic(1);
    const messages = Array.from({ length: 100 }, (_, i) => msg('doc', `${i}:${'x'.repeat(20_000)}`));
    const err = await bus.publish(name, messages).then(() => null, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/larger than the max message size/);
  });
});

