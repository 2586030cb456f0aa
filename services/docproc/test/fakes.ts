// In-memory adapters of our own ports, for docproc's component tests.
import { Readable } from 'node:stream';
import type { EncodedMessage, TopicName } from '@docpipe/contracts';
import { ObjectNotFoundError, type EventBus, type ObjectInfo, type ObjectStore, type PutOptions, type Subscription } from '@docpipe/runtime';

/** An ObjectStore over a Map; `failNextGet` makes the next get fail like a network error. */
export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, Buffer>();
  failNextGet: Error | null = null;

  constructor(readonly bucket = 'docs') {}

  async put(key: string, body: Readable, options: PutOptions): Promise<{ size: number }> {
    void options;
    const parts: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer>) parts.push(chunk);
    this.objects.set(key, Buffer.concat(parts));
    return { size: this.objects.get(key)!.length };
  }

  async get(key: string): Promise<Readable> {
    if (this.failNextGet) {
      const err = this.failNextGet;
      this.failNextGet = null;
      throw err;
    }
    const data = this.objects.get(key);
    if (!data) throw new ObjectNotFoundError(key);
    // Small pieces, like a network stream.
    return Readable.from(Array.from({ length: Math.ceil(data.length / 16384) }, (_, i) => data.subarray(i * 16384, (i + 1) * 16384)));
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const data = this.objects.get(key);
    return data ? { size: data.length, contentType: 'application/octet-stream', metadata: {} } : null;
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async ping(): Promise<boolean> {
    return true;
  }
}

/** An EventBus that records what is published; `failNextPublish` simulates a broker outage. */
export class RecordingBus implements EventBus {
  readonly published: { topic: TopicName; messages: EncodedMessage[] }[] = [];
  failNextPublish: Error | null = null;

  async publish(topic: TopicName, messages: EncodedMessage[]): Promise<void> {
    if (this.failNextPublish) {
      const err = this.failNextPublish;
      this.failNextPublish = null;
      throw err;
    }
    this.published.push({ topic, messages });
  }

  /** Every message published to `topic`, parsed. */
  values(topic: TopicName): Record<string, unknown>[] {
    return this.published.filter((p) => p.topic === topic).flatMap((p) => p.messages.map((m) => JSON.parse(m.value.toString()) as Record<string, unknown>));
  }

  async subscribe(): Promise<Subscription> {
    throw new Error('RecordingBus does not consume');
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}
