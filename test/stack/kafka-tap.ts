import { randomBytes } from 'node:crypto';
import { decode, Topics, type DocumentDlq } from '@docpipe/contracts';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { stackEnv } from './env.js';

/** Where each partition of a topic ended at some moment: partition → next offset. */
export type Marks = Map<number, bigint>;

/** A record read back from a topic. */
export interface TappedRecord {
  partition: number;
  offset: bigint;
  key: string | null;
  value: Buffer | null;
}

/**
 * The test's own view of the shared broker, apart from the services' clients:
 * remembers where topics end, reads what came after with a throwaway consumer
 * group, and produces raw records (poison messages) with their offsets.
 */
export class KafkaTap {
  private readonly kafka: Kafka;
  private readonly admin: Admin;

  private constructor() {
    this.kafka = new kafkajs.Kafka({
      clientId: `docpipe-stack-tap-${randomBytes(3).toString('hex')}`,
      brokers: stackEnv('KAFKA_BROKERS').split(','),
      logLevel: kafkajs.logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 3_000 },
    });
    this.admin = this.kafka.admin();
  }

  static async open(): Promise<KafkaTap> {
    const tap = new KafkaTap();
    await tap.admin.connect();
    return tap;
  }

  /** Where every partition of `topic` ends now. */
  async marks(topic: string): Promise<Marks> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  }

  /**
   * Every record of `topic` from `since` to where the topic ends now, read by
   * a throwaway consumer group that starts exactly at `since` (and is deleted after).
   */
  async readSince(topic: string, since: Marks, boundMs = 60_000): Promise<TappedRecord[]> {
    const ends = await this.marks(topic);
    const groupId = `docpipe-stack-tap-${randomBytes(6).toString('hex')}`;
    const partitions = [...ends.keys()].map((partition) => ({ partition, offset: String(since.get(partition) ?? 0n) }));
    await this.admin.setOffsets({ groupId, topic, partitions });
    const records: TappedRecord[] = [];
    const next = new Map(partitions.map((p) => [p.partition, BigInt(p.offset)]));
    const consumer = this.kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 250 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic] });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const offset = BigInt(message.offset);
          if (offset >= (ends.get(partition) ?? 0n)) return;
          records.push({ partition, offset, key: message.key?.toString() ?? null, value: message.value });
          next.set(partition, offset + 1n);
        },
      });
      const done = () => [...ends].every(([p, end]) => (next.get(p) ?? 0n) >= end);
      const deadline = Date.now() + boundMs;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`reading ${topic}: not at the end after ${boundMs} ms (${describe(next, ends)})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await consumer.disconnect();
      await this.admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return records;
  }

  /** The client ids of each group's members now, as `clientId@host`. */
  async groupMembers(groupIds: string[]): Promise<Map<string, string[]>> {
    const { groups } = await this.admin.describeGroups(groupIds);
    return new Map(groups.map((g) => [g.groupId, g.members.map((m) => `${m.clientId}@${m.clientHost}`)]));
  }

  /** Produces one raw record (no validation, no headers) and returns where it landed. */
  async produce(topic: string, key: string, value: Buffer | string): Promise<{ partition: number; offset: bigint }> {
    const producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const [meta] = await producer.send({ topic, acks: -1, messages: [{ key, value }] });
      if (!meta || meta.baseOffset === undefined) throw new Error(`producing to ${topic}: no offset in the answer`);
      return { partition: meta.partition, offset: BigInt(meta.baseOffset) };
    } finally {
      await producer.disconnect();
    }
  }

  async close(): Promise<void> {
    await this.admin.disconnect();
  }
}

function describe(next: Map<number, bigint>, ends: Marks): string {
  return [...ends].map(([p, end]) => `partition ${p} at ${next.get(p) ?? 0n} of ${end}`).join(', ');
}

/** The distinct chunk ids per document among embeddings.ready records (undecodable ones are skipped). */
export function embeddedChunkIds(records: TappedRecord[]): Map<string, Set<string>> {
  const byDocument = new Map<string, Set<string>>();
  for (const record of records) {
    const ready = decode(Topics.embeddingsReady, record.value);
    if (!ready.ok) continue;
    const ids = byDocument.get(ready.value.document_id) ?? new Set<string>();
    ids.add(ready.value.chunk_id);
    byDocument.set(ready.value.document_id, ids);
  }
  return byDocument;
}

/** The documents.dlq records whose source is `source`, decoded. */
export function deadLettersOf(records: TappedRecord[], source: { topic: string; partition: number; offset: bigint }): DocumentDlq[] {
  const found: DocumentDlq[] = [];
  for (const record of records) {
    const dlq = decode(Topics.documentsDlq, record.value);
    if (!dlq.ok) continue;
    const v = dlq.value;
    if (v.source_topic === source.topic && v.source_partition === source.partition && v.source_offset === String(source.offset)) found.push(v);
  }
  return found;
}
