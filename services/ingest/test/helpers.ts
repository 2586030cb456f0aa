import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { TopicName } from '@docpipe/contracts';
import {
  openPgliteRepository,
  createLogger,
  createRegistry,
  openEmbeddedEventBus,
  openLocalObjectStore,
  type BusMessage,
  type EventBus,
  type Logger,
  type ObjectStore,
} from '@docpipe/runtime';
import type { SqlDocumentRepository } from '@docpipe/runtime';
import { loadIngestConfig, type IngestConfig } from '../src/config.js';

export const BUCKET = 'docpipe-test';

/** The real embedded adapters: PGlite in memory, a local store in a temp dir, an in-memory bus. */
export interface Adapters {
  repo: SqlDocumentRepository;
  store: ObjectStore;
  bus: EventBus;
  logger: Logger;
  dir: string;
  close(): Promise<void>;
}

/**
 * Opens a fresh store and bus. Opening PGlite takes seconds, so a test file
 * may share one `repo` (and isolate tests by company id); it is then left open.
 */
export async function openAdapters(shared?: { repo: SqlDocumentRepository }): Promise<Adapters> {
  const logger = createLogger({ name: 'test', level: 'silent' });
  const dir = await mkdtemp(join(tmpdir(), 'docpipe-ingest-'));
  const [repo, store, bus] = await Promise.all([
    shared?.repo ?? openPgliteRepository(),
    openLocalObjectStore({ dir, bucket: BUCKET }),
    openEmbeddedEventBus({ logger, pollIntervalMs: 50, retryBackoffMs: { initial: 10, max: 50 } }),
  ]);
  return {
    repo,
    store,
    bus,
    logger,
    dir,
    close: async () => {
      await bus.close();
      if (!shared) await repo.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A company id no other test uses, so tests sharing a database do not see each other's rows. */
export function uniqueCompany(prefix = 'co'): string {
  return `${prefix}-${randomUUID()}`;
}

export function testConfig(env: Record<string, string> = {}): IngestConfig {
  return loadIngestConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', OUTBOX_POLL_MS: '50', ...env });
}

export { createRegistry };

/** Every file under `dir`, as paths relative to it (object files, sidecars, temp files alike). */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** The object keys in the test bucket. */
export async function listKeys(adapters: Adapters): Promise<string[]> {
  return (await listFiles(join(adapters.dir, BUCKET))).map((p) => p.split('\\').join('/')).sort();
}

export interface FormPart {
  name: string;
  /** A file part when set; sent as RFC 5987 `filename*` so any character survives. */
  filename?: string;
  content: Buffer | string;
  contentType?: string;
}

/** A multipart/form-data body built by hand, so tests control every byte. */
export function multipart(parts: FormPart[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----docpipe-${randomUUID()}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const lines = [`--${boundary}`];
    if (part.filename === undefined) {
      lines.push(`Content-Disposition: form-data; name="${part.name}"`);
    } else {
      lines.push(`Content-Disposition: form-data; name="${part.name}"; filename*=utf-8''${encodeURIComponent(part.filename)}`);
      lines.push(`Content-Type: ${part.contentType ?? 'application/octet-stream'}`);
    }
    chunks.push(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), Buffer.from(part.content), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A one-file upload body. */
export function fileForm(filename: string, content: Buffer | string, contentType?: string): ReturnType<typeof multipart> {
  return multipart([{ name: 'file', filename, content, ...(contentType ? { contentType } : {}) }]);
}

/** Resolves with the first `count` messages a fresh consumer group reads from `topic`. */
export async function collect(bus: EventBus, topic: TopicName, count: number): Promise<BusMessage[]> {
  const seen: BusMessage[] = [];
  let done!: () => void;
  const enough = new Promise<void>((resolve) => (done = resolve));
  const subscription = await bus.subscribe({
    groupId: `test-${randomUUID()}`,
    topics: [topic],
    handleBatch: async (batch) => {
      seen.push(...batch.messages);
      if (seen.length >= count) done();
    },
  });
  await enough;
  await subscription.stop();
  return seen.slice(0, count);
}

/** Waits until `check` returns a value (not undefined); the test's timeout bounds the wait. */
export async function eventually<T>(check: () => Promise<T | undefined>, intervalMs = 20): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Publishes nothing and reports how many outbox messages were waiting (they are consumed). */
export async function drainOutbox(adapters: Adapters): Promise<number> {
  return adapters.repo.relayOutbox(1000, async () => undefined);
}
