// PDF extraction: docproc's extractText with each extractor — pdf.js on one
// warm worker thread, pdf.js with the pages split across several, poppler's
// pdftotext in a capped subprocess — against plain pdftotext on the same
// generated PDF, plus the event-loop delay of the calling thread while
// extracting (and, to show why the worker exists, pdf.js on the main thread).
//
// Every round runs every contender once, in a rotating order, so a neighbour's
// CPU-heavy job slows all of them alike; ratios are taken within a round, then
// the median over rounds is reported.
//
//   apt-get install -y poppler-utils
//   npx tsc -b && node bench/docproc/pdf.ts [pages] [rounds]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { closePdfWorkers, DEFAULT_EXTRACT_LIMITS, extractText, type ExtractLimits } from '@docpipe/docproc';
import { SupportedTypes } from '@docpipe/runtime';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const pages = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 5);
const workers = Math.min(availableParallelism(), 4);
const dir = mkdtempSync(join(tmpdir(), 'docproc-bench-'));
const file = join(dir, 'long.pdf');

interface Run {
  ms: number;
  /** CPU time of this process, worker threads included (a subprocess's is not). */
  cpuMs: number;
  p99: number | null;
}

interface Contender {
  name: string;
  /** CPU cores it can use. */
  cores: number;
  /** Whether all its work is in this process, so `cpuMs` is its whole CPU cost. */
  inProcess: boolean;
  run: (bytes: Buffer) => Promise<unknown>;
  cold?: Run;
  warm: Run[];
}

/** Times `fn` while sampling the event loop every 10 ms. */
async function measure(fn: () => Promise<unknown>): Promise<Run> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const cpu = process.cpuUsage();
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  h.disable();
  return { ms, cpuMs: (used.user + used.system) / 1000, p99: h.count > 0 ? h.percentile(99) / 1e6 : null };
}

function ours(limits: Partial<ExtractLimits>): (bytes: Buffer) => Promise<number> {
  return async (bytes) => {
    const doc = await extractText({ bytes, contentType: SupportedTypes.pdf, limits: { ...DEFAULT_EXTRACT_LIMITS, ...limits } });
    if (doc.sections.length !== pages) throw new Error(`expected ${pages} pages, got ${doc.sections.length}`);
    return doc.sections.reduce((n, s) => n + s.text.length, 0);
  };
}

/** The reference: pdftotext on the file, asynchronously, nothing else. */
function pdftotext(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('pdftotext', ['-enc', 'UTF-8', file, '-'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let n = 0;
    child.stdout.on('data', (b: Buffer) => (n += b.length));
    child.on('error', reject).on('close', (code) => (code === 0 ? resolve(n) : reject(new Error(`pdftotext exit ${code}`))));
  });
}

async function pdfjsOnMainThread(bytes: Buffer): Promise<number> {
  const doc = await getDocument({ data: new Uint8Array(bytes), verbosity: 0, isEvalSupported: false, disableFontFace: true }).promise;
  let chars = 0;
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent({ disableNormalization: true });
    for (const item of content.items) if ('str' in item) chars += item.str.length;
  }
  await doc.destroy();
  return chars;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** p99 of a run; a run whose loop never turned was blocked from start to end. */
const p99Of = (r: Run): number => r.p99 ?? r.ms;

function row(c: Contender, runs: Run[], ratio: string, suffix = ''): string {
  const ms = median(runs.map((r) => r.ms));
  const cpu = c.inProcess ? median(runs.map((r) => r.cpuMs)).toFixed(0) : 'n/a';
  const p99 = runs.map(p99Of);
  const blocked = runs.some((r) => r.p99 === null) ? ' (blocked)' : '';
  return `| ${c.name}${suffix} | ${c.cores} | ${(pages / (ms / 1000)).toFixed(0)} | ${ms.toFixed(0)} | ${cpu} | ${ratio} | ${median(p99).toFixed(1)}${blocked} | ${Math.max(...p99).toFixed(1)} |`;
}

/** Median over rounds of (reference ms / contender ms), both from the same round. */
function ratioTo(reference: Contender, c: Contender): string {
  return `${median(c.warm.map((r, i) => reference.warm[i]!.ms / r.ms)).toFixed(2)}×`;
}

async function report(bytes: Buffer): Promise<void> {
  const reference: Contender = { name: 'pdftotext CLI alone (reference, async spawn)', cores: 1, inProcess: false, run: pdftotext, warm: [] };
  const contenders: Contender[] = [
    { name: 'docproc, PDF_EXTRACTOR=pdfjs, EXTRACT_WORKERS=1', cores: 1, inProcess: true, run: ours({ pdfExtractor: 'pdfjs', pdfWorkers: 1 }), warm: [] },
    { name: `docproc, PDF_EXTRACTOR=pdfjs, EXTRACT_WORKERS=${workers}`, cores: workers, inProcess: true, run: ours({ pdfExtractor: 'pdfjs', pdfWorkers: workers }), warm: [] },
    { name: 'docproc, PDF_EXTRACTOR=pdftotext', cores: 1, inProcess: false, run: ours({ pdfExtractor: 'pdftotext' }), warm: [] },
    reference,
    { name: 'pdf.js on the main thread (contrast)', cores: 1, inProcess: true, run: pdfjsOnMainThread, warm: [] },
  ];
  const loadBefore = loadavg()[0]!;
  for (const c of contenders) c.cold = await measure(() => c.run(bytes));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(round + k) % contenders.length]!;
      c.warm.push(await measure(() => c.run(bytes)));
    }
  }
  console.log(`PDF: ${pages} pages, ${(bytes.length / 1024).toFixed(0)} KiB; ${rounds} interleaved rounds after one warm-up each`);
  console.log(`machine: ${cpus().length} CPUs, ${cpus()[0]?.model ?? '?'}, node ${process.version}; load average ${loadBefore.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}\n`);
  console.log('| extractor | cores | pages/s (median) | ms per document | CPU ms per document | × pdftotext (same-round median) | event-loop p99 ms (median run) | event-loop p99 ms (worst run) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const c of contenders) console.log(row(c, c.warm, c === reference ? '1.00×' : ratioTo(reference, c)));
  for (const c of contenders.slice(0, 1)) console.log(row(c, [c.cold!], '—', ' — first document (cold)'));
}

try {
  if (spawnSync('pdftotext', ['-v']).status !== 0) throw new Error('pdftotext is not installed (apt-get install -y poppler-utils)');
  const made = spawnSync(process.execPath, ['services/docproc/test/fixtures/generate.ts', '--big-pdf', file, String(pages)], { stdio: 'inherit' });
  if (made.status !== 0) throw new Error('could not generate the PDF');
  await report(readFileSync(file));
} finally {
  await closePdfWorkers();
  rmSync(dir, { recursive: true, force: true });
}
