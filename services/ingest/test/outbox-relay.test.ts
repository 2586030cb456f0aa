import { randomUUID } from 'node:crypto';
import { encode, Topics, type EncodedMessage, type TopicName } from '@docpipe/contracts';
import { openPgliteRepository, type DocumentRepository, type EventBus, type OutboxMessage, type SqlDocumentRepository } from '@docpipe/runtime';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backoffMs, MAX_BACKOFF_MS, publishGrouped, startOutboxRelay } from '../src/outbox-relay.js';
import { collect, drainOutbox, eventually, openAdapters, uniqueCompany, type Adapters } from './helpers.js';

let repo: SqlDocumentRepository;
let adapters: Adapters;

beforeAll(async () => {
  repo = await openPgliteRepository();
});
afterAll(async () => {
  await repo.close();
});
beforeEach(async () => {
  adapters = await openAdapters({ repo });
  await drainOutbox(adapters);
});
afterEach(async () => {
  await adapters.close();
});

async function createDocument(): Promise<string> {
  const id = randomUUID();
  const company = uniqueCompany();
  const row = { document_id: id, company_id: company, filename: 'a.txt', content_type: 'text/plain', size_bytes: 1, sha256: 'b'.repeat(64), s3_path: `s3://b/${company}/${id}/a.txt` };
  await repo.createDocument(row, { topic: Topics.documentsRaw, message: encode(Topics.documentsRaw, { ...row, uploaded_at: Date.now() }) });
  return id;
}

/** Our own port: publishes fail while `failures` > 0, every call is recorded. */
function flakyBus(inner: EventBus, failures: number): EventBus & { calls: Array<{ topic: TopicName; keys: string[] }> } {
  const calls: Array<{ topic: TopicName; keys: string[] }> = [];
  let left = failures;
  return {
    calls,
    publish: async (topic, messages) => {
      calls.push({ topic, keys: messages.map((m) => m.key) });
      if (left-- > 0) throw new Error('broker unavailable');
      await inner.publish(topic, messages);
    },
    subscribe: (o) => inner.subscribe(o),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}

/** The repository with relayOutbox observable (calls counted, optionally held until released). */
function observedRepo(inner: DocumentRepository) {
  let calls = 0;
  let gate: Promise<void> | null = null;
  const repo = Object.create(inner) as DocumentRepository;
  repo.relayOutbox = async (limit, publish) => {
    calls++;
    if (gate) await gate;
    return inner.relayOutbox(limit, publish);
  };
  return {
    repo,
    calls: () => calls,
    hold(): () => void {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = null;
        release();
      };
    },
  };
}

const message = (topic: TopicName, key: string): OutboxMessage => ({
  id: key,
  topic,
  message: { key, value: Buffer.from('{}'), headers: {} } satisfies EncodedMessage,
});

describe('publishGrouped', () => {
  it('publishes once per topic, keeping the order within each', async () => {
    const bus = flakyBus(adapters.bus, 0);
    await publishGrouped(bus, [message(Topics.documentsRaw, 'a'), message(Topics.documentsDlq, 'x'), message(Topics.documentsRaw, 'b')]);
    expect(bus.calls).toEqual([
      { topic: Topics.documentsRaw, keys: ['a', 'b'] },
      { topic: Topics.documentsDlq, keys: ['x'] },
    ]);
  });
});

describe('backoffMs', () => {
  it('doubles from the poll interval and stops at 10 s', () => {
    expect([1, 2, 3].map((n) => backoffMs(n, 500))).toEqual([500, 1000, 2000]);
    expect(backoffMs(30, 500)).toBe(MAX_BACKOFF_MS);
  });
});

describe('startOutboxRelay', () => {
  it('relays at once when kicked, long before the next poll', async () => {
    const observed = observedRepo(repo);
    const relay = startOutboxRelay({ repo: observed.repo, bus: adapters.bus, logger: adapters.logger, config: { OUTBOX_POLL_MS: 3_600_000, OUTBOX_BATCH_SIZE: 10 } });
    try {
      await eventually(async () => (observed.calls() >= 1 ? true : undefined)); // the first pass found nothing
      const id = await createDocument();
      relay.kick();
      const [raw] = await collect(adapters.bus, Topics.documentsRaw, 1);
      expect(raw!.key).toBe(id);
    } finally {
      await relay.stop();
    }
  });

  it('relays full batches back to back', async () => {
    const ids = await Promise.all(Array.from({ length: 7 }, () => createDocument()));
    const relay = startOutboxRelay({ repo, bus: adapters.bus, logger: adapters.logger, config: { OUTBOX_POLL_MS: 3_600_000, OUTBOX_BATCH_SIZE: 2 } });
    try {
      const keys = (await collect(adapters.bus, Topics.documentsRaw, 7)).map((m) => m.key);
      expect(keys.sort()).toEqual([...ids].sort());
    } finally {
      await relay.stop();
    }
  });

  it('survives a failing bus and delivers once it recovers, leaving the outbox empty', async () => {
    const id = await createDocument();
    const bus = flakyBus(adapters.bus, 2);
    const relay = startOutboxRelay({ repo, bus, logger: adapters.logger, config: { OUTBOX_POLL_MS: 10, OUTBOX_BATCH_SIZE: 10 } });
    try {
      const [raw] = await collect(adapters.bus, Topics.documentsRaw, 1);
      expect(raw!.key).toBe(id);
      expect(bus.calls.length).toBeGreaterThanOrEqual(3);
    } finally {
      await relay.stop();
    }
    expect(await drainOutbox(adapters)).toBe(0);
  });

  it('stop() waits for the relay in flight', async () => {
    const observed = observedRepo(repo);
    const release = observed.hold();
    const relay = startOutboxRelay({ repo: observed.repo, bus: adapters.bus, logger: adapters.logger, config: { OUTBOX_POLL_MS: 10, OUTBOX_BATCH_SIZE: 10 } });
    await eventually(async () => (observed.calls() >= 1 ? true : undefined));
    let stopped = false;
    const stopping = relay.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
    expect(observed.calls()).toBe(1);
  });
});
