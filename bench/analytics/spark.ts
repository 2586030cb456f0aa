// The daily Spark job (jobs/spark/job.py, PySpark local[2]) and the DuckDB report (local
// mode's stand-in) over one day of N embeddings in the archive layout: seconds end to end,
// and the Spark job's fixed cost (JVM start, session, an empty day) measured apart. Both
// outputs are read back and compared row for row.
//
//   npx tsc -b && scripts/stack.sh start spark && eval "$(scripts/stack.sh env)"
//   node --experimental-transform-types --no-warnings --import ./bench/stack/ts-hooks.mjs \
//     bench/analytics/spark.ts [embeddings=1000000] [vector floats=8] [spark driver memory=1g]
//
// Records: real-shaped embeddings.ready values with an 8-float vector (~330 B each); 1536
// floats would make a day of 1M about 20 GB, which this machine's disk and 2 cores would spend
// the whole benchmark reading. Neither engine uses the vector, but both still scan its bytes.
// The day: 24 hours × 2 partitions = 48 files; 50 chunks per document, 50 companies, 1 %
// redeliveries of an earlier chunk in the same file, 1 malformed line per 10 000.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chunkId } from '@docpipe/contracts';
import { archiveFileName, dayDirectory, parseDay, partitionDirectory, readPartitionRows, runReport, type ReportRow } from '@docpipe/analytics';
import { createLogger } from '@docpipe/runtime';
import { describeRun, runSparkJob, summaryOf } from '../../test/stack/analytics/spark-job.ts';

const EMBEDDINGS = Number(process.argv[2] ?? 1_000_000);
const FLOATS = Number(process.argv[3] ?? 8);
const DRIVER_MEMORY = process.argv[4] ?? '1g';
const CHUNKS_PER_DOC = 50;
const COMPANIES = 50;
const HOURS = 24;
const PARTITIONS = 2;
const DAY = parseDay('2025-03-14');
const EMPTY_DAY = parseDay('2025-03-20');

function loadStackEnv(): void {
  if (process.env['SPARK_PYTHON'] && process.env['SPARK_JAVA_HOME']) return;
  const stack = fileURLToPath(new URL('../../scripts/stack.sh', import.meta.url));
  for (const line of execFileSync(stack, ['env'], { encoding: 'utf8' }).split('\n')) {
    const m = /^export ([A-Z0-9_]+)='(.*)'$/.exec(line);
    if (m) process.env[m[1]!] ??= m[2]!;
  }
}

function documentId(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

function line(i: number, vector: string): string {
  const doc = Math.floor(i / CHUNKS_PER_DOC);
  const document_id = documentId(doc);
  const index = i % CHUNKS_PER_DOC;
  return JSON.stringify({
    chunk_id: chunkId(document_id, index),
    document_id,
    company_id: `company-${doc % COMPANIES}`,
    vector: '@V@',
    chunk_index: index,
    chunk_count: CHUNKS_PER_DOC,
    model: 'text-embedding-3-small',
    embedded_at: Date.UTC(2025, 2, 14) + i,
  }).replace('"@V@"', vector);
}

/** Writes the day; returns the lines written and how many were malformed. */
async function writeDay(archive: string): Promise<{ lines: number; malformed: number; bytes: number }> {
  const vector = `[${Array.from({ length: FLOATS }, (_, k) => (((k * 7919) % 1000) / 1000 - 0.5).toFixed(6)).join(',')}]`;
  const files = HOURS * PARTITIONS;
  const perFile = Math.ceil(EMBEDDINGS / files);
  let lines = 0;
  let malformed = 0;
  let bytes = 0;
  for (let f = 0; f < files; f++) {
    const out: string[] = [];
    for (let i = f * perFile; i < Math.min(EMBEDDINGS, (f + 1) * perFile); i++) {
      out.push(line(i, vector));
      if (i % 100 === 99) out.push(line(i - 7, vector)); // a redelivery
      if (i % 10_000 === 5_000) {
        out.push('{"chunk_id": truncated');
        malformed++;
      }
    }
    const dir = join(dayDirectory(archive, DAY), `hour=${String(f % HOURS).padStart(2, '0')}`);
    await mkdir(dir, { recursive: true });
    const content = out.map((l) => `${l}\n`).join('');
    await writeFile(join(dir, archiveFileName({ partition: Math.floor(f / HOURS), startOffset: lines, lines: out })), content);
    lines += out.length;
    bytes += Buffer.byteLength(content);
  }
  return { lines, malformed, bytes };
}

function sameRows(a: ReportRow[], b: ReportRow[]): boolean {
  return a.length === b.length && a.every((r, i) => r.document_id === b[i]!.document_id && r.company_id === b[i]!.company_id && r.chunk_count === b[i]!.chunk_count);
}

async function main(): Promise<void> {
  loadStackEnv();
  const root = await mkdtemp(join(tmpdir(), 'docpipe-bench-spark-'));
  try {
    const archive = join(root, 'topics');
    let t = performance.now();
    const day = await writeDay(archive);
    const writeSeconds = (performance.now() - t) / 1000;
    process.stdout.write(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    process.stdout.write(`day ${DAY.iso}: ${EMBEDDINGS} embeddings, ${day.lines} lines (${day.malformed} malformed), ${(day.bytes / 2 ** 20).toFixed(0)} MiB in ${HOURS * PARTITIONS} files, written in ${writeSeconds.toFixed(1)} s\n`);

    const sparkOut = join(root, 'spark');
    const empty = await runSparkJob({ archive: `file://${archive}`, output: `file://${sparkOut}`, date: EMPTY_DAY.iso, cwd: root, driverMemory: DRIVER_MEMORY, boundMs: 1_800_000 });
    if (empty.exitCode !== 0) throw new Error(describeRun(empty));
    const spark = await runSparkJob({ archive: `file://${archive}`, output: `file://${sparkOut}`, date: DAY.iso, cwd: root, driverMemory: DRIVER_MEMORY, boundMs: 1_800_000 });
    if (spark.exitCode !== 0) throw new Error(describeRun(spark));

    const duckOut = join(root, 'duckdb');
    t = performance.now();
    const report = await runReport({ archive, output: duckOut, day: DAY }, createLogger({ name: 'bench-report', level: 'silent' }));
    const duckSeconds = (performance.now() - t) / 1000;

    const sparkRows = await readPartitionRows(partitionDirectory(sparkOut, DAY));
    const duckRows = await readPartitionRows(partitionDirectory(duckOut, DAY));
    const rate = (s: number) => `${Math.round(day.lines / s).toLocaleString('en-US')} lines/s`;
    process.stdout.write(
      [
        '',
        '| engine | seconds | lines/s | summary |',
        '|---|---|---|---|',
        `| Spark job, local[2], driver ${DRIVER_MEMORY}, end to end (python + JVM start) | ${spark.seconds.toFixed(1)} | ${rate(spark.seconds)} | ${summaryOf(spark)} |`,
        `| Spark job, the same on a missing day (fixed cost) | ${empty.seconds.toFixed(1)} | — | ${summaryOf(empty)} |`,
        `| Spark job minus the fixed cost | ${(spark.seconds - empty.seconds).toFixed(1)} | ${rate(spark.seconds - empty.seconds)} | |`,
        `| DuckDB report (in process, runReport) | ${duckSeconds.toFixed(1)} | ${rate(duckSeconds)} | day=${DAY.iso} rows=${report.rows} malformed=${report.malformed} |`,
        '',
        `rows: Spark ${sparkRows.length}, DuckDB ${duckRows.length}; identical: ${sameRows(sparkRows, duckRows)}`,
        '',
      ].join('\n'),
    );
    if (!sameRows(sparkRows, duckRows)) process.exitCode = 1;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
