import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ExtractionError } from './errors.js';
import type { PdfWorkerResult } from './pdf-worker.js';
import type { ExtractLimits } from './types.js';

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
  limits: ExtractLimits;
  signal?: AbortSignal;
}

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

  run(job: PdfJob): Promise<PdfWorkerResult> {
    return new Promise((resolve, reject) => {
      const w = this.worker;
      const onMessage = (result: PdfWorkerResult): void => finish(() => ((this.completed += 1), resolve(result)), false);
      const onError = (err: Error & { code?: string }): void => finish(() => reject(workerFailure(err, job.limits)), true);
      const onExit = (code: number): void => finish(() => reject(new ExtractionError(`PDF extraction stopped unexpectedly (exit ${code})`)), true);
      const onAbort = (): void => finish(() => reject(job.signal?.reason), true);
      const timer = setTimeout(
        () => finish(() => reject(new ExtractionError(`PDF extraction took longer than ${job.limits.timeoutMs / 1000} s`)), true),
        job.limits.timeoutMs,
      );
      let settled = false;
      const finish = (outcome: () => void, kill: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        job.signal?.removeEventListener('abort', onAbort);
        w.off('message', onMessage).off('error', onError).off('exit', onExit);
        w.unref();
        if (kill) this.close();
        outcome();
      };
      w.on('message', onMessage).on('error', onError).on('exit', onExit);
      job.signal?.addEventListener('abort', onAbort, { once: true });
      w.ref(); // a caller awaiting the result must keep the process alive
      const copy = new Uint8Array(job.bytes); // a private buffer the worker can own
      w.postMessage(copy, [copy.buffer]);
    });
  }

  close(): void {
    this.dead = true;
    void this.worker.terminate();
  }
}

function workerFailure(err: Error & { code?: string }, limits: ExtractLimits): ExtractionError {
  if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new ExtractionError(`PDF needs more than ${limits.maxHeapMb} MiB of memory to extract`, { cause: err });
  }
  return new ExtractionError(`PDF extraction failed: ${err.message}`, { cause: err });
}

let current: PdfWorker | null = null;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Extracts one PDF on the warm worker. Documents wait their turn (docproc
 * handles one at a time anyway); each one's deadline starts when it does.
 */
export function runPdfJob(job: PdfJob): Promise<PdfWorkerResult> {
  const result = queue.then(() => runNow(job));
  queue = result.catch(() => undefined);
  return result;
}

async function runNow(job: PdfJob): Promise<PdfWorkerResult> {
  job.signal?.throwIfAborted();
  const worker = warmWorker(job.limits.maxHeapMb);
  try {
    const result = await worker.run(job);
    if (worker.shouldRetire(result.heapUsed)) retire(worker);
    return result;
  } catch (err) {
    retire(worker);
    // What earlier documents left on a reused heap must not fail this one: one retry on a fresh worker.
    if (isOutOfMemory(err) && worker.used) return runNow(job);
    throw err;
  }
}

function warmWorker(heapMb: number): PdfWorker {
  if (current === null || current.dead || current.heapMb !== heapMb) {
    current?.close();
    current = new PdfWorker(heapMb);
  }
  return current;
}

function retire(worker: PdfWorker): void {
  worker.close();
  if (current === worker) current = null;
}

function isOutOfMemory(err: unknown): boolean {
  return err instanceof ExtractionError && (err.cause as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
}

/** Stops the warm PDF worker (shutdown); the next PDF starts a new one. */
export async function closePdfWorkers(): Promise<void> {
  await queue;
  if (current !== null) retire(current);
}
