import { execFile, spawn } from 'node:child_process';
import { ExtractionError } from './errors.js';

/** What one pdftotext run is allowed to use. */
export interface PdftotextJob {
  bytes: Buffer;
  timeoutMs: number;
  /** Address-space cap of the process, and the most text it may write. */
  maxMemoryMb: number;
  signal?: AbortSignal;
}

let located: Promise<string | null> | null = null;

/** The absolute path of `pdftotext` on PATH, or null when poppler-utils is not installed (looked up once). */
export function locatePdftotext(): Promise<string | null> {
  located ??= new Promise((resolve) => {
    execFile('/bin/sh', ['-c', 'command -v pdftotext'], { timeout: 5_000 }, (err, stdout) => {
      const path = stdout.trim();
      resolve(err === null && path.startsWith('/') ? path : null);
    });
  });
  return located;
}

// Limits set before poppler parses a byte: address space (-v), CPU seconds
// (-t: bounds an orphan should this service die mid-document), no core dumps
// and no file writes (it only needs its stdin and stdout pipes). `exec` leaves
// pdftotext as the process we time and kill.
const SCRIPT = 'ulimit -c 0 && ulimit -f 0 && ulimit -t "$2" && ulimit -v "$0" && exec "$1" -enc UTF-8 - -';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  /** Why we stopped it, when we did. */
  stopped: ExtractionError | null;
}

/**
 * The text of each page of a PDF from poppler's pdftotext, in a subprocess
 * with a memory cap, a deadline and an empty environment (C code parsing an
 * upload must not see the service's credentials). Pages come back separated
 * by form feeds, so page numbers hold. Any error poppler reports — including
 * the "Syntax Error"/"Internal Error" diagnostics of files it half-recovers
 * (exit 0, pages missing) — fails the document, as pdf.js (stopAtErrors) does.
 */
export async function extractWithPdftotext(binary: string, job: PdftotextJob): Promise<string[]> {
  job.signal?.throwIfAborted();
  const run = await runPdftotext(binary, job);
  job.signal?.throwIfAborted();
  const failure = run.stopped ?? classify(run, job.maxMemoryMb);
  if (failure !== null) throw failure;
  const pages = run.stdout.toString('utf8').split('\f');
  if (pages.at(-1) === '') pages.pop(); // every page, the last included, ends with a form feed
  return pages;
}

function runPdftotext(binary: string, job: PdftotextJob): Promise<Run> {
  return new Promise((resolve) => {
    const cpuSeconds = String(Math.ceil(job.timeoutMs / 1000) + 1);
    const child = spawn('/bin/sh', ['-c', SCRIPT, String(job.maxMemoryMb * 1024), binary, cpuSeconds], { env: {}, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let stopped: ExtractionError | null = null;
    const stop = (reason: ExtractionError): void => {
      stopped ??= reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(new ExtractionError(`PDF extraction took longer than ${job.timeoutMs / 1000} s`)), job.timeoutMs);
    const onAbort = (): void => stop(new ExtractionError('PDF extraction was aborted'));
    job.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > job.maxMemoryMb * 1024 * 1024) stop(memoryError(job.maxMemoryMb));
      else out.push(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      if (stderr.length < 64 * 1024) stderr += s;
    });
    // pdftotext may exit (corrupt file) before it has read everything we write.
    child.stdin.on('error', () => undefined);
    child.stdin.end(job.bytes);
    child.on('error', (err) => stop(new ExtractionError(`PDF extraction could not start: ${err.message}`, { cause: err })));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      job.signal?.removeEventListener('abort', onAbort);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr, stopped });
    });
  });
}

const memoryError = (mb: number): ExtractionError => new ExtractionError(`PDF needs more than ${mb} MiB of memory to extract`);

/** The ExtractionError a finished pdftotext run means, or null when it succeeded cleanly. */
export function classify(run: Pick<Run, 'code' | 'signal' | 'stderr'>, maxMemoryMb: number): ExtractionError | null {
  const diagnostics = run.stderr.trim();
  const cause = new Error(`pdftotext exit ${run.code ?? run.signal}: ${diagnostics.slice(0, 2_000)}`);
  if (/bad_alloc|out of memory|failed to map segment|cannot allocate/i.test(diagnostics)) return new ExtractionError(memoryError(maxMemoryMb).reason, { cause });
  if (/Incorrect password|encrypted/i.test(diagnostics)) return new ExtractionError('PDF is encrypted (password protected)', { cause });
  if (/Syntax Error|Internal Error|Couldn't|May not be a PDF/i.test(diagnostics)) return new ExtractionError('PDF is truncated or corrupt', { cause });
  if (run.signal !== null) return new ExtractionError(`PDF could not be read: pdftotext stopped by ${run.signal}`, { cause });
  if (run.code !== 0) return new ExtractionError(`PDF could not be read: ${firstLine(diagnostics) || `pdftotext exit ${run.code}`}`, { cause });
  return null;
}

const firstLine = (s: string): string => (s.split('\n')[0] ?? '').slice(0, 200);
