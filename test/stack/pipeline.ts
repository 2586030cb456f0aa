import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { COMPANY_HEADER, ConsumerGroups, type DocumentView, type UploadAccepted } from '@docpipe/contracts';
import { startOpenAiStandin, type OpenAiStandin, type StandinConfigPatch } from '@docpipe/openai-standin';
import type { SqlClient } from '@docpipe/runtime';
import { createPgClient } from '@docpipe/runtime/postgres';
import { stackEnv } from './env.js';
import { KafkaTap } from './kafka-tap.js';
import { freePort, ServiceProcesses, type RunningService, type ServiceName } from './processes.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Statuses after which a document never changes again. */
export const FINAL = new Set(['embedded', 'failed']);

/** Builds every package (a no-op when dist is up to date): the processes run dist, the tests run sources. */
export async function buildDist(): Promise<void> {
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await run(process.execPath, [tsc, '-b'], { cwd: REPO, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? '';
    throw new Error(`npx tsc -b failed; the services cannot run from a stale dist:\n${out}`, { cause: err });
  }
}

export interface PipelineOptions {
  /** Names this file's bucket, database and logs. */
  tag: string;
  /** The OpenAI stand-in's faults at start. */
  standin?: StandinConfigPatch;
  /** Extra variables per service (e.g. CHUNK_MAX_TOKENS for docproc). */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
}

/** Small vectors keep embeddings.ready small; the code paths are the same as with 1536. */
export const DIMENSIONS = 64;

/**
 * The whole pipeline, each service in its own process, on the shared Kafka
 * broker and this file's own S3 bucket and PostgreSQL database; the OpenAI
 * stand-in runs in the test process.
 */
export class Pipeline {
  readonly processes: ServiceProcesses;
  readonly bucket: string;
  readonly database: string;
  readonly databaseUrl: string;
  readonly company: string;
  readonly s3: S3Client;
  db!: SqlClient;
  standin!: OpenAiStandin;
  private admin!: SqlClient;
  private readonly ports = new Map<ServiceName, number>();
  private failed = false;

  private constructor(
    private readonly opts: PipelineOptions,
    readonly logDir: string,
  ) {
    const id = randomBytes(4).toString('hex');
    this.bucket = `docpipe-stack-${opts.tag}-${id}`;
    this.database = `docpipe_stack_${opts.tag.replace(/\W/g, '_')}_${id}`;
    this.databaseUrl = withDatabase(stackEnv('DATABASE_URL'), this.database);
    this.company = `stack-${opts.tag}-${id}`;
    this.processes = new ServiceProcesses(logDir);
    this.s3 = new S3Client({ region: stackEnv('AWS_REGION'), endpoint: stackEnv('S3_ENDPOINT'), forcePathStyle: true });
  }

  /** Builds, creates the bucket and database, starts the stand-in and the four services. */
  static async start(opts: PipelineOptions): Promise<Pipeline> {
    await buildDist();
    const logDir = await mkdtemp(join(tmpdir(), `docpipe-stack-${opts.tag}-`));
    const pipeline = new Pipeline(opts, logDir);
    try {
      await pipeline.provision();
      for (const name of ['ingest', 'docproc', 'embedding', 'gateway'] as const) await pipeline.startService(name);
      await pipeline.assertGroupsOwned();
    } catch (err) {
      pipeline.failed = true;
      await pipeline.dispose();
      throw err;
    }
    return pipeline;
  }

  get gatewayUrl(): string {
    return this.processes.get('gateway').url;
  }

  /** The environment `name` runs with: nothing inherited but PATH, so the test's own variables never leak in. */
  envOf(name: ServiceName): Record<string, string> {
    const port = String(this.ports.get(name));
    const common: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      LOG_LEVEL: process.env['STACK_LOG_LEVEL'] ?? 'info',
      LOG_FORMAT: 'json',
      KAFKA_BROKERS: stackEnv('KAFKA_BROKERS'),
      KAFKA_CLIENT_ID: `${this.company}-${name}`,
      KAFKA_ENSURE_TOPICS: 'true',
      // Quick to notice a killed member, so a restarted worker gets its partitions back soon.
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      KAFKA_MAX_WAIT_TIME_MS: '500',
      AWS_REGION: stackEnv('AWS_REGION'),
      AWS_ACCESS_KEY_ID: stackEnv('AWS_ACCESS_KEY_ID'),
      AWS_SECRET_ACCESS_KEY: stackEnv('AWS_SECRET_ACCESS_KEY'),
    };
    const s3 = { S3_BUCKET: this.bucket, S3_ENDPOINT: stackEnv('S3_ENDPOINT'), S3_FORCE_PATH_STYLE: 'true' };
    const own: Record<ServiceName, Record<string, string>> = {
      ingest: { ...s3, HOST: '127.0.0.1', PORT: port, DATABASE_URL: this.databaseUrl, DATABASE_POOL_MAX: '4', OUTBOX_POLL_MS: '100' },
      docproc: { ...s3, OPS_HOST: '127.0.0.1', OPS_PORT: port },
      embedding: {
        OPS_HOST: '127.0.0.1',
        OPS_PORT: port,
        EMBEDDER: 'openai',
        OPENAI_API_KEY: 'sk-stack-test',
        OPENAI_BASE_URL: this.standin.url,
        EMBEDDING_DIMENSIONS: String(DIMENSIONS),
      },
      gateway: { HOST: '127.0.0.1', PORT: port, INGEST_URL: this.ports.has('ingest') ? `http://127.0.0.1:${this.ports.get('ingest')}` : '' },
    };
    return { ...common, ...own[name], ...this.opts.env?.[name] };
  }

  /** Starts (or restarts) one service on its port and waits until it is ready. */
  async startService(name: ServiceName): Promise<RunningService> {
    if (!this.ports.has(name)) this.ports.set(name, await freePort());
    return this.processes.start(name, this.ports.get(name)!, { env: this.envOf(name) });
  }

  /** Prints every service's log tail (a test failed) and keeps the logs. */
  reportFailure(): void {
    this.failed = true;
    process.stderr.write(`\n${this.processes.tails()}\nlogs kept in ${this.logDir}\n`);
  }

  /** Stops everything this file started and removes its bucket, database and (unless a test failed) logs. */
  async dispose(): Promise<void> {
    await this.processes.stopAll();
    await this.standin?.stop();
    await this.admin?.query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`).catch(() => undefined);
    await this.db?.close();
    await this.admin?.close();
    await emptyAndDeleteBucket(this.s3, this.bucket).catch(() => undefined);
    this.s3.destroy();
    if (!this.failed) await rm(this.logDir, { recursive: true, force: true });
  }

  /**
   * The consumer group names are fixed by the design, so any other process in
   * them (a service someone left running on the shared broker) would take
   * partitions and this file's documents with them. Fails fast, naming it.
   */
  private async assertGroupsOwned(boundMs = 20_000): Promise<void> {
    const tap = await KafkaTap.open();
    try {
      let foreign: string[] = [];
      const owned = async () => {
        const members = await tap.groupMembers(Object.values(ConsumerGroups));
        foreign = [...members].flatMap(([group, ids]) => ids.filter((id) => !id.startsWith(`${this.company}-`)).map((id) => `${group}: ${id}`));
        return foreign.length === 0;
      };
      await until(owned, 'the consumer groups to hold only this file\'s services', boundMs).catch(() => {
        throw new Error(`other consumers are in the pipeline's groups on the shared broker; stop them first:\n${foreign.join('\n')}`);
      });
    } finally {
      await tap.close();
    }
  }

  private async provision(): Promise<void> {
    this.standin = await startOpenAiStandin({ config: this.opts.standin ?? {} });
    this.admin = createPgClient({ connectionString: stackEnv('DATABASE_URL'), max: 1 });
    await this.admin.query(`CREATE DATABASE ${this.database}`);
    this.db = createPgClient({ connectionString: this.databaseUrl, max: 2 });
    await this.s3.send(new CreateBucketCommand({ Bucket: this.bucket }));
  }

  // ---- the HTTP API, through the gateway ----

  /** POSTs one file to /ingest/upload as this file's company. */
  async upload(filename: string, body: Buffer): Promise<{ status: number; body: UploadAccepted }> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(body)]), filename);
    const res = await fetch(`${this.gatewayUrl}/ingest/upload`, { method: 'POST', body: form, headers: { [COMPANY_HEADER]: this.company } });
    return { status: res.status, body: (await res.json()) as UploadAccepted };
  }

  /** Uploads and expects 202; returns the document id. */
  async accepted(filename: string, body: Buffer): Promise<string> {
    const res = await this.upload(filename, body);
    if (res.status !== 202) throw new Error(`upload of ${filename} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.document_id;
  }

  /** GET /ingest/status/{id} through the gateway. */
  async status(id: string): Promise<DocumentView> {
    const res = await fetch(`${this.gatewayUrl}/ingest/status/${id}`, { headers: { [COMPANY_HEADER]: this.company } });
    if (res.status !== 200) throw new Error(`GET /ingest/status/${id} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as DocumentView;
  }

  /**
   * Polls the database until every one of `ids` is final. The bound only keeps
   * a broken pipeline from hanging the suite; it asserts nothing about speed.
   */
  async waitFinal(ids: string[], boundMs = 150_000): Promise<DocumentRow[]> {
    const deadline = Date.now() + boundMs;
    for (;;) {
      const rows = await this.rows(ids);
      if (rows.length === ids.length && rows.every((r) => FINAL.has(r.status))) return rows;
      if (Date.now() > deadline) {
        const pending = rows.filter((r) => !FINAL.has(r.status)).map((r) => `${r.id}: ${r.status} ${r.chunks_embedded}/${r.chunks_total}`);
        throw new Error(`after ${boundMs} ms, ${pending.length} of ${ids.length} documents are not final:\n${pending.slice(0, 20).join('\n')}`);
      }
      await sleep(250);
    }
  }

  // ---- the state, read straight from PostgreSQL and S3 ----

  /** The documents rows of `ids`, as stored. */
  async rows(ids: string[]): Promise<DocumentRow[]> {
    const { rows } = await this.db.query<DocumentRow>(
      `SELECT id, company_id, filename, content_type, size_bytes::int AS size_bytes, sha256, s3_path, status,
              chunks_total, chunks_embedded, error
         FROM documents WHERE id = ANY($1::uuid[]) ORDER BY created_at, id`,
      [ids],
    );
    return rows;
  }

  /** HeadObject and the sha256 of the stored bytes of `key`. */
  async object(key: string): Promise<{ size: number; sha256: string }> {
    const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    const got = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const hash = createHash('sha256');
    for await (const chunk of got.Body as AsyncIterable<Buffer>) hash.update(chunk);
    return { size: head.ContentLength ?? -1, sha256: hash.digest('hex') };
  }
}

/** A documents row as the test reads it. */
export interface DocumentRow {
  id: string;
  company_id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  s3_path: string;
  status: string;
  chunks_total: number;
  chunks_embedded: number;
  error: string | null;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits, within a bound, until `done()` resolves true. */
export async function until(done: () => Promise<boolean> | boolean, what: string, boundMs = 120_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${boundMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Runs `fn` over `items`, at most `limit` at once; results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function emptyAndDeleteBucket(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (list.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length === 0) break;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

const WORDS = (
  'harbour river station mountain ledger quarterly tide signal archive copper lantern meadow engine ' +
  'northern crossing valley report schedule freight timber granite orchard canal beacon summit delta ' +
  'survey compass voyage cargo meridian basin ridge ferry ticket morning evening winter summer'
).split(' ');

/**
 * A plain-text document of about `words` words, different for every `seed`
 * (so no two documents share a chunk), in paragraphs of a few sentences.
 */
export function textDocument(seed: number, words: number): Buffer {
  let state = (seed * 2_654_435_761) >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % WORDS.length;
  };
  const paragraphs: string[] = [`Document ${seed}.`];
  for (let written = 0; written < words; ) {
    const sentences: string[] = [];
    for (let s = 0; s < 5; s++) {
      const length = 8 + next();
      const sentence = Array.from({ length }, () => WORDS[next()]!).join(' ');
      sentences.push(`${sentence[0]!.toUpperCase()}${sentence.slice(1)} ${seed}-${written}.`);
      written += length;
    }
    paragraphs.push(sentences.join(' '));
  }
  return Buffer.from(`${paragraphs.join('\n\n')}\n`);
}
