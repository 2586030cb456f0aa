import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ExtractionError } from './errors.js';
import type { PdfTask, PdfWorkerResult } from './pdf-worker.js';

const WORKER_URL = ((): URL => {
  const built = new URL('./pdf-worker.js', import.meta.url);
  // Under vitest this module runs from its .ts source; Node strips the worker's types itself.
  return existsSync(fileURLToPath(built)) ? built : new URL('./pdf-worker.ts', import.meta.url);
})();

/** A warm worker is replaced after this many documents, bounding what any leak in pdf.js can pile up. */
const MAX_JOBS_PER_WORKER = 200;
/** …or as soon as a document leaves more than this share of the heap cap in use. */
const MAX_HEAP_SHARE_AFTER_JOB = 0.25;

export interface PdfJob {
  bytes: Buffer;
  /** Wall-clock budget of the whole document, all workers together. */
  timeoutMs: number;
  /** Heap cap of each worker thread. */
  maxHeapMb: number;
  /** Workers the document's pages may be split across (short documents use one). */
  workers: number;
  signal?: AbortSignal;
}

/** Every page's text, in page order, or the first failure pdf.js reported. */
export type PdfJobResult = { ok: true; pages: string[] } | { ok: false; name: string; message: string };

/**
 * One pdf.js worker thread with a heap cap. It is kept between documents (the
 * JIT-warmed pdf.js is several times faster than a fresh one) and thrown away
 * after any failure, timeout or abort, so a hostile file never leaves a
 * half-broken worker behind.
 */
class PdfWorker {
  private readonly worker: Worker;
  private completed = 0;
  dead = false;

  constructor(readonly heapMb: number) {
    // pdf.js prints nothing at verbosity 0. (Capturing the worker's stdout
    // instead would keep the process alive while the worker idles.)
    this.worker = new Worker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32 } });
    this.worker.unref();
  }

  /** True when this worker has already extracted other documents (its heap is not fresh). */
  get used(): boolean {
    return this.completed > 0;
  }

  /** Whether to replace the worker after a job that left `heapUsed` bytes in use. */
  shouldRetire(heapUsed: number): boolean {
    return this.completed >= MAX_JOBS_PER_WORKER || heapUsed > this.heapMb * 1024 * 1024 * MAX_HEAP_SHARE_AFTER_JOB;
  }

  /** Runs one task; rejects with an ExtractionError when the thread runs out of memory or dies. */
  run(task: PdfTask): Promise<PdfWorkerResult> {
    return new Promise((resolve, reject) => {
      const w = this.worker;
      const onMessage = (result: PdfWorkerResult): void => finish(() => ((this.completed += 1), resolve(result)));
      const onError = (err: Error & { code?: string }): void => finish(() => reject(workerFailure(err, this.heapMb)));
      const onExit = (code: number): void => finish(() => reject(new ExtractionError(`PDF extraction stopped unexpectedly (exit ${code})`)));
      const finish = (outcome: () => void): void => {
        w.off('message', onMessage).off('error', onError).off('exit', onExit);
        w.unref();
        outcome();
      };
      w.on('message', onMessage).on('error', onError).on('exit', onExit);
      w.ref(); // a caller awaiting the result must keep the process alive
      w.postMessage(task);
    });
  }

  close(): void {
    this.dead = true;
    void this.worker.terminate();
  }
}

function workerFailure(err: Error & { code?: string }, heapMb: number): ExtractionError {
  if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new ExtractionError(`PDF needs more than ${heapMb} MiB of memory to extract`, { cause: err });
  }
  return new ExtractionError(`PDF extraction failed: ${err.message}`, { cause: err });
}

const pool: PdfWorker[] = [];
let queue: Promise<unknown> = Promise.resolve();

/**
 * Extracts one PDF on the warm workers, its pages split across up to
 * `job.workers` of them. Documents wait their turn (docproc handles one at a
 * time anyway); each one's deadline starts when it does.
 */
export function runPdfJob(job: PdfJob): Promise<PdfJobResult> {
  const result = queue.then(() => runNow(job));
  queue = result.catch(() => undefined);
  return result;
}

async function runNow(job: PdfJob): Promise<PdfJobResult> {
  job.signal?.throwIfAborted();
  const workers = warmWorkers(job.workers, job.maxHeapMb);
  try {
    const results = await withDeadline(runParts(workers, job.bytes), job);
    return merge(workers, results);
  } catch (err) {
    workers.forEach(retire);
    // What earlier documents left on a reused heap must not fail this one: one retry on fresh workers.
    if (isOutOfMemory(err) && workers.some((w) => w.used)) return runNow(job);
    throw err;
  }
}

/** Every worker gets the same bytes, shared rather than copied per worker. */
function runParts(workers: PdfWorker[], bytes: Buffer): Promise<PdfWorkerResult[]> {
  const data = new SharedArrayBuffer(bytes.length);
  new Uint8Array(data).set(bytes);
  const parts = workers.map((w, part) => w.run({ data, part, parts: workers.length }));
  // Once one part fails the others are stopped; their rejections are expected.
  parts.forEach((p) => p.catch(() => undefined));
  return Promise.all(parts);
}

/** Settles with `work`, or rejects at the job's deadline or abort (the caller then stops the workers). */
function withDeadline<T>(work: Promise<T>, job: PdfJob): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => settle(() => reject(new ExtractionError(`PDF extraction took longer than ${job.timeoutMs / 1000} s`))), job.timeoutMs);
    const onAbort = (): void => settle(() => reject(job.signal?.reason));
    const settle = (outcome: () => void): void => {
      clearTimeout(timer);
      job.signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    job.signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => settle(() => resolve(value)),
      (err: unknown) => settle(() => reject(err)),
    );
  });
}

/** The parts' pages in order; a failed part fails the document and retires every worker that took part. */
function merge(workers: PdfWorker[], results: PdfWorkerResult[]): PdfJobResult {
  const failure = results.find((r) => !r.ok);
  if (failure !== undefined && !failure.ok) {
    workers.forEach(retire);
    return { ok: false, name: failure.name, message: failure.message };
  }
  results.forEach((r, i) => {
    if (workers[i]!.shouldRetire(r.heapUsed)) retire(workers[i]!);
  });
  return { ok: true, pages: results.flatMap((r) => (r.ok ? r.pages : [])) };
}

function warmWorkers(count: number, heapMb: number): PdfWorker[] {
  for (let i = 0; i < Math.max(1, count); i++) {
    const w = pool[i];
    if (w === undefined || w.dead || w.heapMb !== heapMb) {
      w?.close();
      pool[i] = new PdfWorker(heapMb);
    }
  }
  return pool.slice(0, Math.max(1, count));
}

function retire(worker: PdfWorker): void {
  worker.close();
  const i = pool.indexOf(worker);
  if (i >= 0) pool.splice(i, 1);
}

function isOutOfMemory(err: unknown): boolean {
  return err instanceof ExtractionError && (err.cause as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
}

/** Stops the warm PDF workers (shutdown); the next PDF starts new ones. */
export async function closePdfWorkers(): Promise<void> {
  await queue;
  [...pool].forEach(retire);
}
