// End to end through the real stack: chunks/s and documents/s from the first
// upload to the last `embedded`, with the OpenAI stand-in at 0 ms and at 200 ms
// per request (does batching + concurrency hide the API's latency?).
//
//   npx tsc -b && scripts/stack.sh start && eval "$(scripts/stack.sh env)"
//   node --experimental-transform-types --import ./bench/stack/ts-hooks.mjs \
//     bench/stack/e2e.ts [documents=40] [words per document=4000] [latencies ms=0,200] [dimensions=1536]
//
// Needs Kafka, PostgreSQL and moto running (it does not start them). Each
// latency gets a fresh pipeline from the stack suites (test/stack/pipeline.ts):
// gateway, ingest, docproc and embedding each in its own process, its own
// bucket and database; the stand-in runs in this process. ~4000 words ≈ 30 KB of text.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { FINAL, mapLimit, Pipeline, sleep, textDocument, type DocumentRow } from '../../test/stack/pipeline.ts';

const documents = Number(process.argv[2] ?? 40);
const words = Number(process.argv[3] ?? 4000);
const latencies = (process.argv[4] ?? '0,200').split(',').map(Number);
const dimensions = process.argv[5] ?? '1536';
const UPLOADS_AT_ONCE = 4;
const POLL_MS = 100;
const BOUND_MS = 15 * 60_000;

/** The stack's addresses, as `scripts/stack.sh env` prints them, unless already exported. */
function loadStackEnv(): void {
  if (process.env['KAFKA_BROKERS'] && process.env['S3_ENDPOINT'] && process.env['DATABASE_URL']) return;
  const stack = fileURLToPath(new URL('../../scripts/stack.sh', import.meta.url));
  for (const line of execFileSync(stack, ['env'], { encoding: 'utf8' }).split('\n')) {
    const m = /^export ([A-Z0-9_]+)='(.*)'$/.exec(line);
    if (m) process.env[m[1]!] = m[2]!;
  }
}

interface Result {
  latencyMs: number;
  seconds: number;
  uploadSeconds: number;
  chunks: number;
  failed: number;
  stats: ReturnType<Pipeline['standin']['stats']>;
  load: string;
}

/** Polls PostgreSQL every POLL_MS until every document is final. */
async function waitAllFinal(pipeline: Pipeline, ids: string[], started: number): Promise<DocumentRow[]> {
  for (;;) {
    const rows = await pipeline.rows(ids);
    if (rows.length === ids.length && rows.every((r) => FINAL.has(r.status))) return rows;
    if (performance.now() - started > BOUND_MS) throw new Error(`not final after ${BOUND_MS} ms\n${pipeline.processes.tails(15)}`);
    await sleep(POLL_MS);
  }
}

async function runOnce(latencyMs: number, docs: Buffer[]): Promise<Result> {
  const pipeline = await Pipeline.start({
    tag: `bench${latencyMs}`,
    standin: { latencyMs },
    env: { embedding: { EMBEDDING_DIMENSIONS: dimensions } },
  });
  try {
    const started = performance.now();
    const ids = await mapLimit(docs, UPLOADS_AT_ONCE, (doc, i) => pipeline.accepted(`bench-${i}.txt`, doc));
    const uploadSeconds = (performance.now() - started) / 1000;
    const rows = await waitAllFinal(pipeline, ids, started);
    const seconds = (performance.now() - started) / 1000;
    const chunks = rows.reduce((n, r) => n + r.chunks_embedded, 0);
    const failed = rows.filter((r) => r.status !== 'embedded');
    if (failed.length > 0) process.stderr.write(`${failed.length} failed, e.g. ${failed[0]!.error}\n${pipeline.processes.tails(15)}\n`);
    const load = loadavg().map((l) => l.toFixed(2)).join(' ');
    return { latencyMs, seconds, uploadSeconds, chunks, failed: failed.length, stats: pipeline.standin.stats(), load };
  } catch (err) {
    pipeline.reportFailure();
    throw err;
  } finally {
    await pipeline.dispose();
  }
}

async function main(): Promise<void> {
  loadStackEnv();
  process.env['STACK_LOG_LEVEL'] ??= 'warn';
  const docs = Array.from({ length: documents }, (_, i) => textDocument(1000 + i, words));
  const kib = docs.reduce((n, d) => n + d.length, 0) / 1024;
  process.stdout.write(`real stack e2e: ${documents} text documents (${(kib / documents).toFixed(1)} KiB each), ${dimensions} dimensions, `);
  process.stdout.write(`${UPLOADS_AT_ONCE} uploads at once; ${cpus().length}× ${cpus()[0]?.model.trim()}, node ${process.version}\n\n`);
  const results: Result[] = [];
  for (const latency of latencies) results.push(await runOnce(latency, docs));
  process.stdout.write('| stand-in latency | uploads done (s) | first upload → last embedded (s) | chunks | chunks/s | documents/s | failed | requests | inputs/request (mean, max) | max tokens/request | max in flight | load average |\n');
  process.stdout.write('|---|---|---|---|---|---|---|---|---|---|---|---|\n');
  for (const r of results) {
    const s = r.stats;
    process.stdout.write(
      `| ${r.latencyMs} ms | ${r.uploadSeconds.toFixed(2)} | ${r.seconds.toFixed(2)} | ${r.chunks} | ${(r.chunks / r.seconds).toFixed(0)} | ${(documents / r.seconds).toFixed(2)} | ${r.failed} | ` +
        `${s.requests} | ${(s.totalInputs / Math.max(1, s.requests)).toFixed(1)}, ${s.maxInputs} | ${s.maxTokens} | ${s.maxInFlight} | ${r.load} |\n`,
    );
  }
}

await main();
