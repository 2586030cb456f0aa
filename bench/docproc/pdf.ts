// PDF extraction: docproc's extractText (pdf.js in a capped worker thread)
// against poppler's pdftotext on the same generated PDF, plus the event-loop
// delay of the service's main thread while extracting — and, to show why the
// worker exists, the same delay when pdf.js runs on the main thread.
//
//   apt-get install -y poppler-utils     # for the comparison only
//   npx tsc -b && node bench/docproc/pdf.ts [pages] [rounds]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_EXTRACT_LIMITS, extractText } from '@docpipe/docproc';
import { SupportedTypes } from '@docpipe/runtime';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const pages = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'docproc-bench-'));
const file = join(dir, 'long.pdf');

interface Run {
  ms: number;
  p99: number | null;
  chars: number;
}

/** Times `fn` while sampling the event loop every 10 ms. */
async function measure(fn: () => Promise<number>): Promise<Run> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t = performance.now();
  const chars = await fn();
  const ms = performance.now() - t;
  h.disable();
  return { ms, p99: h.count > 0 ? h.percentile(99) / 1e6 : null, chars };
}

async function ours(bytes: Buffer): Promise<number> {
  const doc = await extractText({ bytes, contentType: SupportedTypes.pdf, limits: DEFAULT_EXTRACT_LIMITS });
  if (doc.sections.length !== pages) throw new Error(`expected ${pages} pages, got ${doc.sections.length}`);
  return doc.sections.reduce((n, s) => n + s.text.length, 0);
}

async function pdftotext(): Promise<number> {
  const r = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`pdftotext failed: ${r.stderr?.toString() ?? r.error?.message}`);
  return r.stdout.length;
}

async function pdfjsOnMainThread(bytes: Buffer): Promise<number> {
  const doc = await getDocument({ data: new Uint8Array(bytes), verbosity: 0, isEvalSupported: false, disableFontFace: true }).promise;
  let chars = 0;
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    for (const item of content.items) if ('str' in item) chars += item.str.length;
  }
  await doc.destroy();
  return chars;
}

/** The first (cold) run, then `rounds` warm ones. */
async function series(fn: () => Promise<number>): Promise<{ cold: Run; warm: Run[] }> {
  const cold = await measure(fn);
  const warm: Run[] = [];
  for (let i = 0; i < rounds; i++) warm.push(await measure(fn));
  return { cold, warm };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** p99 of a run; a run whose loop never turned was blocked from start to end. */
const p99Of = (r: Run): number => r.p99 ?? r.ms;

function row(name: string, runs: Run[]): string {
  const ms = median(runs.map((r) => r.ms));
  const p99 = runs.map(p99Of);
  const blocked = runs.some((r) => r.p99 === null) ? ' (loop blocked for the whole run)' : '';
  return `| ${name} | ${(pages / (ms / 1000)).toFixed(0)} | ${ms.toFixed(0)} | ${median(p99).toFixed(1)}${blocked} | ${Math.max(...p99).toFixed(1)} |`;
}

async function report(bytes: Buffer): Promise<void> {
  const haveTool = spawnSync('pdftotext', ['-v']).status === 0;
  const oursRuns = await series(() => ours(bytes));
  const toolRuns = haveTool ? await series(pdftotext) : null;
  const mainRuns = await series(() => pdfjsOnMainThread(bytes));
  console.log(`PDF: ${pages} pages, ${(bytes.length / 1024).toFixed(0)} KiB; ${rounds} rounds after one warm-up`);
  console.log(`machine: ${cpus().length} CPUs, ${cpus()[0]?.model ?? '?'}, node ${process.version}\n`);
  console.log('| extractor | pages/s (median) | ms per document | event-loop p99 ms (median run) | event-loop p99 ms (worst run) |');
  console.log('|---|---|---|---|---|');
  console.log(row('docproc extractText — warm worker (steady state)', oursRuns.warm));
  console.log(row('docproc extractText — first document (new worker, cold JIT)', [oursRuns.cold]));
  if (toolRuns) console.log(row('pdftotext (poppler, subprocess, spawnSync)', toolRuns.warm));
  console.log(row('pdf.js on the main thread, warm (for contrast)', mainRuns.warm));
  if (toolRuns) {
    const ratio = median(toolRuns.warm.map((r) => r.ms)) / median(oursRuns.warm.map((r) => r.ms));
    console.log(`\ndocproc (warm) / pdftotext throughput: ${ratio.toFixed(2)}× (goal ≥ 0.5×)`);
  }
  console.log('pdftotext runs through spawnSync, which blocks this thread by design: its event-loop figure is not comparable.');
}

try {
  const made = spawnSync(process.execPath, ['services/docproc/test/fixtures/generate.ts', '--big-pdf', file, String(pages)], { stdio: 'inherit' });
  if (made.status !== 0) throw new Error('could not generate the PDF');
  const bytes = readFileSync(file);
  await report(bytes);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
