import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EncodedMessage, TopicName } from '@docpipe/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../logging.js';
import type { BusMessage, MessageBatch, SubscribeOptions, Subscription } from '../../ports/event-bus.js';
import { openEmbeddedEventBus, type EmbeddedEventBus, type EmbeddedEventBusOptions } from './event-bus.js';
import { partitionForKey } from './murmur2.js';

const logger = createLogger({ name: 'test', level: 'silent', format: 'json' });
const TOPIC: TopicName = 'documents.raw';
const OTHER: TopicName = 'chunks.processed';
const FAST = { retryBackoffMs: { initial: 1, max: 5 } };

const buses: EmbeddedEventBus[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function open(opts: Partial<EmbeddedEventBusOptions> = {}): Promise<EmbeddedEventBus> {
  const bus = await openEmbeddedEventBus({ logger, ...FAST, ...opts });
  buses.push(bus);
  return bus;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'docpipe-bus-'));
  dirs.push(dir);
  return dir;
}

function msg(key: string, value: string): EncodedMessage {
  return { key, value: Buffer.from(value), headers: { 'schema-version': '1' } };
}

/** Resolves once `condition` holds; fails the test if it never does. */
async function until(condition: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function collector() {
  const seen: BusMessage[] = [];
  return {
    seen,
    values: () => seen.map((m) => m.value!.toString()),
    handleBatch: async (batch: MessageBatch) => void seen.push(...batch.messages),
  };
}

function subscribe(bus: EmbeddedEventBus, groupId: string, handleBatch: SubscribeOptions['handleBatch'], extra: Partial<SubscribeOptions> = {}): Promise<Subscription> {
  return bus.subscribe({ groupId, topics: [TOPIC], handleBatch, ...extra });
}

describe('EmbeddedEventBus: partitioning and order', () => {
  it('delivers each partition in offset order and keeps a key on one partition', async () => {
    const bus = await open();
    const keys = Array.from({ length: 10 }, (_, i) => `doc-${i}`);
    for (let round = 0; round < 30; round++) await bus.publish(TOPIC, keys.map((k) => msg(k, `${k}#${round}`)));
    const c = collector();
    await subscribe(bus, 'g', c.handleBatch);
    await until(() => c.seen.length === 300, 'all messages');
    for (const key of keys) {
      const mine = c.seen.filter((m) => m.key === key);
      expect(mine.map((m) => m.value!.toString())).toEqual(Array.from({ length: 30 }, (_, r) => `${key}#${r}`));
      expect(new Set(mine.map((m) => m.partition))).toEqual(new Set([partitionForKey(key, 3)]));
    }
    for (const p of [0, 1, 2]) {
      const offsets = c.seen.filter((m) => m.partition === p).map((m) => Number(m.offset));
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
  });

  it('spreads unkeyed messages round robin and delivers them with a null key', async () => {
    const bus = await open({ partitions: 3 });
    await bus.publish(TOPIC, Array.from({ length: 6 }, (_, i) => msg('', `m${i}`)));
    const c = collector();
    await subscribe(bus, 'g', c.handleBatch);
    await until(() => c.seen.length === 6);
    const perPartition = [0, 1, 2].map((p) => c.seen.filter((m) => m.partition === p).length);
    expect(perPartition).toEqual([2, 2, 2]);
    expect(c.seen.every((m) => m.key === null)).toBe(true);
  });

  it('keeps value, headers and a timestamp', async () => {
    const bus = await open();
    const before = Date.now();
    await bus.publish(TOPIC, [{ key: 'k', value: Buffer.from([0, 255, 10, 13]), headers: { a: '1', traceparent: 't' } }]);
    const c = collector();
    await subscribe(bus, 'g', c.handleBatch);
    await until(() => c.seen.length === 1);
    const m = c.seen[0]!;
    expect(m).toMatchObject({ topic: TOPIC, key: 'k', offset: '0', headers: { a: '1', traceparent: 't' } });
    expect([...m.value!]).toEqual([0, 255, 10, 13]);
    expect(m.timestamp).toBeGreaterThanOrEqual(before);
  });

  it('bounds batches by maxBatchSize, each from one partition', async () => {
    const bus = await open({ partitions: 1 });
    await bus.publish(TOPIC, Array.from({ length: 25 }, (_, i) => msg('k', String(i))));
    const sizes: number[] = [];
    let total = 0;
    await subscribe(bus, 'g', async (b) => {
      sizes.push(b.messages.length);
      total += b.messages.length;
    }, { maxBatchSize: 10 });
    await until(() => total === 25);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
  });

  it('rejects invalid topic names and subscriptions', async () => {
    const bus = await open();
    await expect(bus.publish('../etc' as TopicName, [msg('k', 'v')])).rejects.toThrow('invalid topic name');
    await expect(bus.subscribe({ groupId: '', topics: [TOPIC], handleBatch: async () => {} })).rejects.toThrow('groupId');
    await expect(bus.subscribe({ groupId: 'g', topics: [], handleBatch: async () => {} })).rejects.toThrow('topic');
    await expect(subscribe(bus, 'g', async () => {}, { maxBatchSize: 0 })).rejects.toThrow('maxBatchSize');
  });
});

describe('EmbeddedEventBus: consumer groups', () => {
  it('gives every group every message', async () => {
    const bus = await open();
    const a = collector();
    const b = collector();
    await subscribe(bus, 'group-a', a.handleBatch);
    await subscribe(bus, 'group-b', b.handleBatch);
    await bus.publish(TOPIC, Array.from({ length: 50 }, (_, i) => msg(`k${i % 7}`, String(i))));
    await until(() => a.seen.length === 50 && b.seen.length === 50);
    expect(a.values().sort()).toEqual(b.values().sort());
  });

  it('splits partitions between members of one group, each message exactly once', async () => {
    const bus = await open({ partitions: 4 });
    const a = collector();
    const b = collector();
    await subscribe(bus, 'g', a.handleBatch);
    await subscribe(bus, 'g', b.handleBatch);
    await bus.publish(TOPIC, Array.from({ length: 200 }, (_, i) => msg(`k${i}`, String(i))));
    await until(() => a.seen.length + b.seen.length >= 200);
    const all = [...a.values(), ...b.values()];
    expect(all.sort()).toEqual(Array.from({ length: 200 }, (_, i) => String(i)).sort());
    const partitionsA = new Set(a.seen.map((m) => m.partition));
    const partitionsB = new Set(b.seen.map((m) => m.partition));
    expect([...partitionsA].filter((p) => partitionsB.has(p))).toEqual([]);
    expect(partitionsA.size).toBeGreaterThan(0);
    expect(partitionsB.size).toBeGreaterThan(0);
  });

  it('rebalances when a member joins and when one leaves, never delivering twice', async () => {
    const bus = await open({ partitions: 4 });
    const a = collector();
    const b = collector();
    const subA = await subscribe(bus, 'g', a.handleBatch);
    await bus.publish(TOPIC, Array.from({ length: 40 }, (_, i) => msg(`k${i}`, `first-${i}`)));
    await until(() => a.seen.length === 40);
    const subB = await subscribe(bus, 'g', b.handleBatch);
    await bus.publish(TOPIC, Array.from({ length: 40 }, (_, i) => msg(`k${i}`, `second-${i}`)));
    await until(() => a.seen.length + b.seen.length >= 80);
    expect(b.seen.length).toBeGreaterThan(0);
    await subA.stop();
    await bus.publish(TOPIC, Array.from({ length: 40 }, (_, i) => msg(`k${i}`, `third-${i}`)));
    await until(() => a.seen.length + b.seen.length >= 120);
    expect(b.values().filter((v) => v.startsWith('third-'))).toHaveLength(40);
    const all = [...a.values(), ...b.values()];
    expect(new Set(all).size).toBe(120);
    expect(all).toHaveLength(120);
    await subB.stop();
  });

  it('starts a new group at the end when fromBeginning is false', async () => {
    const bus = await open();
    await bus.publish(TOPIC, [msg('k', 'old')]);
    const c = collector();
    await subscribe(bus, 'late', c.handleBatch, { fromBeginning: false });
    await bus.publish(TOPIC, [msg('k', 'new')]);
    await until(() => c.seen.length === 1);
    expect(c.values()).toEqual(['new']);
  });

  it('subscribes to several topics at once', async () => {
    const bus = await open();
    const c = collector();
    await bus.subscribe({ groupId: 'g', topics: [TOPIC, OTHER], handleBatch: c.handleBatch });
    await bus.publish(TOPIC, [msg('k', 'raw')]);
    await bus.publish(OTHER, [msg('k', 'chunk')]);
    await until(() => c.seen.length === 2);
    expect(c.seen.map((m) => `${m.topic}:${m.value!.toString()}`).sort()).toEqual(['chunks.processed:chunk', 'documents.raw:raw']);
  });

  it('wakes consumers on publish, without relying on the poll interval', async () => {
    const bus = await open({ pollIntervalMs: 3_600_000 });
    const c = collector();
    await subscribe(bus, 'g', c.handleBatch);
    await new Promise((r) => setTimeout(r, 20)); // consumers are now idle, waiting
    await bus.publish(TOPIC, [msg('k', 'ping')]);
    await until(() => c.seen.length === 1);
  });
});

describe('EmbeddedEventBus: failures and redelivery', () => {
  it('commits the resolved prefix and redelivers only the rest after a throw', async () => {
    const bus = await open({ partitions: 1 });
    await bus.publish(TOPIC, Array.from({ length: 5 }, (_, i) => msg('k', String(i))));
    const deliveries: string[][] = [];
    let failed = false;
    await subscribe(bus, 'g', async (batch) => {
      deliveries.push(batch.messages.map((m) => m.value!.toString()));
      for (const m of batch.messages) {
        if (m.value!.toString() === '2' && !failed) {
          failed = true;
          throw new Error('transient');
        }
        batch.resolveOffset(m.offset);
      }
    });
    await until(() => deliveries.flat().includes('4') && deliveries.length >= 2);
    expect(deliveries).toEqual([
      ['0', '1', '2', '3', '4'],
      ['2', '3', '4'],
    ]);
  });

  it('keeps redelivering a failing batch with backoff and never skips it', async () => {
    const bus = await open({ partitions: 1 });
    await bus.publish(TOPIC, [msg('k', 'a'), msg('k', 'b')]);
    const seen: string[] = [];
    let attempts = 0;
    await subscribe(bus, 'g', async (batch) => {
      attempts += 1;
      if (attempts < 4) throw new Error('still down');
      seen.push(...batch.messages.map((m) => m.value!.toString()));
    });
    await until(() => seen.length === 2);
    expect(attempts).toBe(4);
    expect(seen).toEqual(['a', 'b']);
  });

  it('stop() waits for the in-flight batch and commits it', async () => {
    const bus = await open({ partitions: 1 });
    await bus.publish(TOPIC, [msg('k', 'a'), msg('k', 'b')]);
    let release: () => void = () => {};
    let started = false;
    const sub = await subscribe(bus, 'g', async () => {
      started = true;
      await new Promise<void>((r) => (release = r));
    });
    await until(() => started);
    let stopped = false;
    const stopping = sub.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    // The batch was committed: the same group receives only what came after.
    await bus.publish(TOPIC, [msg('k', 'c')]);
    const c = collector();
    await subscribe(bus, 'g', c.handleBatch);
    await until(() => c.seen.length === 1);
    expect(c.values()).toEqual(['c']);
  });

  it('stop() during backoff commits the resolved prefix; the rest comes back to the next member', async () => {
    const bus = await open({ partitions: 1, retryBackoffMs: { initial: 3_600_000, max: 3_600_000 } });
    await bus.publish(TOPIC, [msg('k', 'a'), msg('k', 'b'), msg('k', 'c')]);
    let called = false;
    const sub = await subscribe(bus, 'g', async (batch) => {
      called = true;
      batch.resolveOffset(batch.messages[0]!.offset);
      throw new Error('fail after the first');
    });
    await until(() => called);
    await sub.stop(); // interrupts the hour-long backoff
    const c = collector();
    await subscribe(bus, 'g', c.handleBatch);
    await until(() => c.seen.length === 2);
    expect(c.values()).toEqual(['b', 'c']);
  });

  it('rejects publish after close and reports not ready', async () => {
    const bus = await open();
    expect(await bus.ping()).toBe(true);
    await bus.close();
    expect(await bus.ping()).toBe(false);
    await expect(bus.publish(TOPIC, [msg('k', 'v')])).rejects.toThrow('closed');
  });
});

describe('EmbeddedEventBus: persistence', () => {
  it('writes the log before publish resolves', async () => {
    const dir = await tempDir();
    const bus = await open({ dir, partitions: 1 });
    await bus.publish(TOPIC, [msg('k', 'v1'), msg('k', 'v2')]);
    const lines = (await readFile(join(dir, 'topics', TOPIC, '0.log'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { o: number }).o)).toEqual([0, 1]);
  });

  it('survives a restart: resumes from committed offsets, redelivers what was not committed', async () => {
    const dir = await tempDir();
    const keyOn = (p: number) => ['a', 'b', 'c', 'd', 'e', 'f'].find((k) => partitionForKey(k, 2) === p)!;
    const [k0, k1] = [keyOn(0), keyOn(1)];
    const bus1 = await open({ dir, partitions: 2 });
    await bus1.publish(TOPIC, [0, 1, 2, 3, 4].flatMap((i) => [msg(k0, `${k0}${i}`), msg(k1, `${k1}${i}`)]));
    const done: string[] = [];
    const sub = await subscribe(bus1, 'g', async (batch) => {
      for (const m of batch.messages) {
        const v = m.value!.toString();
        if (v.endsWith('4')) throw new Error('not yet'); // the last of each partition is never committed
        done.push(v);
        batch.resolveOffset(m.offset);
      }
    });
    await until(() => done.length === 8, 'the first eight');
    await sub.stop();
    await bus1.publish(TOPIC, [msg(k0, `${k0}5`)]);
    await bus1.close();

    const bus2 = await open({ dir, partitions: 2 });
    const c = collector();
    await subscribe(bus2, 'g', c.handleBatch);
    await until(() => c.seen.length === 3, 'the rest');
    expect(c.values().sort()).toEqual([`${k0}4`, `${k0}5`, `${k1}4`].sort());
    // Offsets continue where the log left off.
    await bus2.publish(TOPIC, [msg(k1, `${k1}5`)]);
    await until(() => c.seen.length === 4);
    expect(c.seen[3]).toMatchObject({ partition: 1, offset: '5' });
  });

  it('keeps the partition count a topic was created with', async () => {
    const dir = await tempDir();
    const bus1 = await open({ dir, partitions: 2 });
    await bus1.publish(TOPIC, [msg('x', 'v')]);
    await bus1.close();
    const bus2 = await open({ dir, partitions: 5 });
    const c = collector();
    await subscribe(bus2, 'g', c.handleBatch);
    await until(() => c.seen.length === 1);
    expect(c.seen[0]!.partition).toBe(partitionForKey('x', 2));
  });

  it('drops a torn last line left by a crash mid-append', async () => {
    const dir = await tempDir();
    const bus1 = await open({ dir, partitions: 1 });
    await bus1.publish(TOPIC, [msg('k', 'kept')]);
    await bus1.close();
    await appendFile(join(dir, 'topics', TOPIC, '0.log'), '{"o":1,"t":1,"k":"k","h":{},"v":"dG9y');
    const bus2 = await open({ dir, partitions: 1 });
    await bus2.publish(TOPIC, [msg('k', 'after')]);
    const c = collector();
    await subscribe(bus2, 'g', c.handleBatch);
    await until(() => c.seen.length === 2);
    expect(c.seen.map((m) => `${m.offset}:${m.value!.toString()}`)).toEqual(['0:kept', '1:after']);
  });

  it('reloads a larger log and reads it back in order', async () => {
    const dir = await tempDir();
    const bus1 = await open({ dir, partitions: 1 });
    for (let i = 0; i < 50; i++) await bus1.publish(TOPIC, Array.from({ length: 100 }, (_, j) => msg('k', String(i * 100 + j))));
    await bus1.close();
    const bus2 = await open({ dir, partitions: 1 });
    const c = collector();
    await subscribe(bus2, 'g', c.handleBatch);
    await until(() => c.seen.length === 5000);
    expect(c.seen.every((m, i) => m.offset === String(i) && m.value!.toString() === String(i))).toBe(true);
  });
});

describe('EmbeddedEventBus: under load', () => {
  it('serialises concurrent publishes: unique consecutive offsets, on disk too', async () => {
    const dir = await tempDir();
    const bus1 = await open({ dir, partitions: 1 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => bus1.publish(TOPIC, [msg('k', `${i}-a`), msg('k', `${i}-b`)])));
    await bus1.close();
    const bus2 = await open({ dir, partitions: 1 });
    const c = collector();
    await subscribe(bus2, 'g', c.handleBatch);
    await until(() => c.seen.length === 40);
    expect(c.seen.map((m) => m.offset)).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
    // Each publish call's messages stay together and in order.
    const values = c.values();
    for (let i = 0; i < 40; i += 2) expect(values[i + 1]).toBe(values[i]!.replace('-a', '-b'));
  });

  it('processes every message at least once, in key order, with random failures and a rebalance', async () => {
    const dir = await tempDir();
    const bus = await open({ dir, partitions: 4 });
    const processed = new Map<string, number[]>(); // key -> sequence numbers, in processing order
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const handler = async (batch: MessageBatch) => {
      for (const m of batch.messages) {
        if (random() < 0.1) throw new Error('flaky');
        const [key, n] = m.value!.toString().split(':') as [string, string];
        processed.set(key, [...(processed.get(key) ?? []), Number(n)]);
        batch.resolveOffset(m.offset);
      }
    };
    await subscribe(bus, 'g', handler, { maxBatchSize: 7 });
    const keys = Array.from({ length: 12 }, (_, i) => `key${i}`);
    const publishing = (async () => {
      for (let n = 0; n < 25; n++) await bus.publish(TOPIC, keys.map((k) => msg(k, `${k}:${n}`)));
    })();
    const second = await subscribe(bus, 'g', handler, { maxBatchSize: 3 });
    await publishing;
    await until(() => keys.every((k) => processed.get(k)?.length === 25), 'every key fully processed');
    await second.stop();
    for (const k of keys) expect(processed.get(k)).toEqual(Array.from({ length: 25 }, (_, n) => n));
  });
});
