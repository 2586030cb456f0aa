// Local mode end to end: time from upload to `embedded` for a ~200-page PDF, and
// chunks/s through the whole pipeline (upload → extract → chunk → embed → status).
//
//   npx tsc -b && node bench/local/e2e.ts [pages] [rounds]
//
// Each round starts local mode in a fresh temporary data directory (the real
// on-disk bus, object store and PGlite, and the local embedder at its default
// 1536 dimensions), uploads one PDF over HTTP and polls its status every 20 ms.
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startLocal } from '@docpipe/local';
import { createLogger } from '@docpipe/runtime';
import { buildLongPdf } from '../../services/docproc/test/fixtures/generate.ts';

const pages = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 3);
const POLL_MS = 20;
const TIMEOUT_MS = 10 * 60_000;

interface Round {
  uploadMs: number;
  embeddedMs: number;
  chunks: number;
  loopP99Ms: number;
}

interface StatusBody {
  status: string;
  chunks_total: number;
  chunks_embedded: number;
  error: string | null;
}

async function waitForFinal(url: string, started: number): Promise<StatusBody> {
  for (;;) {
    const body = (await (await fetch(url)).json()) as StatusBody;
    if (body.status === 'embedded' || body.status === 'failed') return body;
    if (performance.now() - started > TIMEOUT_MS) throw new Error(`not embedded after ${TIMEOUT_MS} ms: ${body.status}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function round(pdf: Buffer): Promise<Round> {
  const dataDir = await mkdtemp(join(tmpdir(), 'docpipe-bench-'));
  const logger = createLogger({ name: 'bench', level: 'silent' });
  const local = await startLocal({ env: { LOG_LEVEL: 'silent' }, dataDir, port: 0, logger });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  try {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(pdf)]), 'long.pdf');
    loop.enable();
    const started = performance.now();
    const res = await fetch(`${local.url}/ingest/upload`, { method: 'POST', body: form });
    const uploadMs = performance.now() - started;
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
    const { document_id } = (await res.json()) as { document_id: string };
    const final = await waitForFinal(`${local.url}/ingest/status/${document_id}`, started);
    const embeddedMs = performance.now() - started;
    loop.disable();
    if (final.status !== 'embedded' || final.chunks_embedded !== final.chunks_total) {
      throw new Error(`document ended ${final.status} (${final.chunks_embedded}/${final.chunks_total}): ${final.error}`);
    }
    return { uploadMs, embeddedMs, chunks: final.chunks_total, loopP99Ms: loop.percentile(99) / 1e6 };
  } finally {
    await local.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const pdf = buildLongPdf(pages);
  process.stdout.write(`local mode e2e: ${pages}-page PDF (${(pdf.length / 1024).toFixed(0)} KiB), ${rounds} rounds, `);
  process.stdout.write(`${cpus().length}× ${cpus()[0]?.model.trim()}, node ${process.version}\n\n`);
  const results: Round[] = [];
  for (let i = 0; i < rounds; i++) results.push(await round(pdf));
  process.stdout.write('| round | upload → 202 (ms) | upload → embedded (s) | chunks | chunks/s | event-loop p99 (ms) |\n|---|---|---|---|---|---|\n');
  results.forEach((r, i) => {
    const perSecond = r.chunks / (r.embeddedMs / 1000);
    process.stdout.write(
      `| ${i + 1} | ${r.uploadMs.toFixed(0)} | ${(r.embeddedMs / 1000).toFixed(2)} | ${r.chunks} | ${perSecond.toFixed(0)} | ${r.loopP99Ms.toFixed(1)} |\n`,
    );
  });
  const seconds = median(results.map((r) => r.embeddedMs / 1000));
  process.stdout.write(`\nmedian upload → embedded: ${seconds.toFixed(2)} s, ${(results[0]!.chunks / seconds).toFixed(0)} chunks/s\n`);
}

await main();
