import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { COMPANY_HEADER, decode, type DocumentView, type TopicName, type TopicPayload, type UploadAccepted } from '@docpipe/contracts';
import { startLocal, type LocalMode } from '@docpipe/local';
import { createLogger, type Subscription } from '@docpipe/runtime';

/** Statuses after which a document never changes again. */
export const FINAL = new Set(['embedded', 'failed']);

/** Local mode on port 0 in a fresh temporary data directory, removed again by `dispose`. */
export interface Harness {
  local: LocalMode;
  dataDir: string;
  /** Stops local mode (if running) and deletes the data directory. */
  dispose(): Promise<void>;
}

/** Small vectors keep the on-disk bus small; the pipeline's code paths are the same. */
const TEST_ENV = { LOG_LEVEL: 'silent', EMBEDDING_DIMENSIONS: '64', OUTBOX_POLL_MS: '50' };

/** Starts local mode in `dataDir` (a fresh temporary one when absent) with test defaults plus `env`. */
export async function startHarness(env: Record<string, string> = {}, dataDir?: string): Promise<Harness> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'docpipe-e2e-')));
  const logger = createLogger({ name: 'e2e', level: env['LOG_LEVEL'] ?? 'silent' });
  const local = await startLocal({ env: { ...TEST_ENV, ...env }, dataDir: dir, port: 0, logger });
  let stopped = false;
  return {
    local,
    dataDir: dir,
    async dispose() {
      if (!stopped) await local.stop();
      stopped = true;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface UploadOptions {
  filename: string;
  body: Buffer;
  company?: string;
}

export interface UploadResponse {
  status: number;
  body: UploadAccepted & { error?: { code: string; message: string } };
}

/** POSTs one file as multipart/form-data to /ingest/upload over real HTTP. */
export async function upload(baseUrl: string, opts: UploadOptions): Promise<UploadResponse> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(opts.body)]), opts.filename);
  const headers: Record<string, string> = opts.company === undefined ? {} : { [COMPANY_HEADER]: opts.company };
  const res = await fetch(`${baseUrl}/ingest/upload`, { method: 'POST', body: form, headers });
  return { status: res.status, body: (await res.json()) as UploadResponse['body'] };
}

/** GET /ingest/status/{id} as `company`. */
export async function getStatus(baseUrl: string, id: string, company?: string): Promise<{ status: number; body: DocumentView }> {
  const headers: Record<string, string> = company === undefined ? {} : { [COMPANY_HEADER]: company };
  const res = await fetch(`${baseUrl}/ingest/status/${encodeURIComponent(id)}`, { headers });
  return { status: res.status, body: (await res.json()) as DocumentView };
}

/**
 * Polls the status until it is final. The bound only keeps a broken pipeline
 * from hanging the suite; it asserts nothing about speed.
 */
export async function waitFinal(baseUrl: string, id: string, company?: string, boundMs = 90_000): Promise<DocumentView> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const { status, body } = await getStatus(baseUrl, id, company);
    if (status !== 200) throw new Error(`GET /ingest/status/${id} answered ${status}: ${JSON.stringify(body)}`);
    if (FINAL.has(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`document ${id} still ${body.status} after ${boundMs} ms: ${JSON.stringify(body)}`);
    await sleep(100);
  }
}

/** Waits, within a bound, until `done()` holds. */
export async function until(done: () => boolean, what: string, boundMs = 60_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A test consumer group reading `topic` from the beginning into `into`. */
export async function collectTopic<T extends TopicName>(local: LocalMode, topic: T, into: TopicPayload<T>[]): Promise<Subscription> {
  return local.bus.subscribe({
    groupId: `e2e-${randomUUID()}`,
    topics: [topic],
    fromBeginning: true,
    maxBatchSize: 500,
    handleBatch: async (batch) => {
      for (const m of batch.messages) {
        const decoded = decode(topic, m.value);
        if (decoded.ok) into.push(decoded.value);
      }
    },
  });
}

/** Every regular file under `dir`, as paths relative to it (`/`-separated). */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'));
}
