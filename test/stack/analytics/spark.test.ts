// The daily Spark job (jobs/spark/job.py) on real PySpark in local mode, over
// hand-written archive files on local disk, and the DuckDB report (its local-mode
// stand-in) on the same files: exactly the expected rows, from both.
//   DOCPIPE_STACK_COMPONENTS='spark' npx vitest run --config vitest.stack.config.ts test/stack/analytics/spark.test.ts
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dayDirectory,
  embeddingLine,
  EXPECTED_DAY_MALFORMED,
  EXPECTED_DAY_ROWS,
  FIXTURE_DAY,
  parseDay,
  partitionDirectory,
  readPartitionRows,
  runReport,
  summaryLine,
  writeFixtureArchive,
} from '@docpipe/analytics';
import { createLogger } from '@docpipe/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, runSparkJob, summaryOf } from './spark-job.js';

const NEXT_DAY = parseDay('2025-01-06');
const MISSING_DAY = parseDay('2025-01-09');
const ODD_DAY = parseDay('2025-01-07');

// Each Spark run starts a JVM (20-70 s on 2 shared cores); some tests run two.
describe('the daily Spark job on local disk', { timeout: 420_000 }, () => {
  let root: string;
  let archive: string;
  let output: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'docpipe-spark-'));
    archive = join(root, 'archive', 'topics');
    output = join(root, 'spark-out');
    await writeFixtureArchive(archive);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const sparkRun = async (date: string) => {
    const run = await runSparkJob({ archive: `file://${archive}`, output: `file://${output}`, date, cwd: root });
    expect(run.exitCode, describeRun(run)).toBe(0);
    return run;
  };

  it('writes exactly the expected rows for the day, skipping and counting malformed lines', async () => {
    const run = await sparkRun(FIXTURE_DAY.iso);
    expect(summaryOf(run)).toBe(`day=2025-01-05 rows=${EXPECTED_DAY_ROWS.length} malformed=${EXPECTED_DAY_MALFORMED}`);
    expect(run.stderr).toContain(`skipped ${EXPECTED_DAY_MALFORMED} malformed line(s) of day 2025-01-05`);
    expect(await readPartitionRows(partitionDirectory(output, FIXTURE_DAY))).toEqual(EXPECTED_DAY_ROWS);
  });

  it('replaces only its own partition when a day is rerun', async () => {
    await sparkRun(NEXT_DAY.iso);
    const nextRows = await readPartitionRows(partitionDirectory(output, NEXT_DAY));
    expect(nextRows).toHaveLength(1);

    await sparkRun(FIXTURE_DAY.iso);
    expect(await readPartitionRows(partitionDirectory(output, FIXTURE_DAY))).toEqual(EXPECTED_DAY_ROWS);
    expect(await readPartitionRows(partitionDirectory(output, NEXT_DAY))).toEqual(nextRows);
    const parquet = (await readdir(partitionDirectory(output, FIXTURE_DAY))).filter((f) => f.endsWith('.parquet'));
    expect(parquet).toHaveLength(1);
  });

  it('writes an empty partition and exits 0 when the day has no archive', async () => {
    const run = await sparkRun(MISSING_DAY.iso);
    expect(summaryOf(run)).toBe('day=2025-01-09 rows=0 malformed=0');
    expect(run.stderr).toMatch(/no archive files for day 2025-01-09 under .*: writing an empty partition/);
    expect(await readPartitionRows(partitionDirectory(output, MISSING_DAY))).toEqual([]);
    expect(await readPartitionRows(partitionDirectory(output, FIXTURE_DAY))).toEqual(EXPECTED_DAY_ROWS);
  });

  it('refuses a date that is not a calendar day with a usage error (exit 2), before starting Spark', async () => {
    const run = await runSparkJob({ archive: `file://${archive}`, output: `file://${output}`, date: '2025-02-30', cwd: root });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("--date must be a calendar date YYYY-MM-DD, got '2025-02-30'");
  });

  it('agrees with the DuckDB report, row for row, on the fixture and on odd line endings', async () => {
    await writeOddDay(archive);
    await sparkRun(ODD_DAY.iso);
    const reports = join(root, 'duckdb-out');
    for (const day of [FIXTURE_DAY, ODD_DAY, MISSING_DAY]) {
      const result = await runReport({ archive, output: reports, day }, createLogger({ name: 'report', level: 'silent' }));
      expect(await readPartitionRows(partitionDirectory(reports, day))).toEqual(await readPartitionRows(partitionDirectory(output, day)));
      if (day === FIXTURE_DAY) expect(summaryLine(result)).toBe(`day=2025-01-05 rows=3 malformed=${EXPECTED_DAY_MALFORMED}`);
      if (day === ODD_DAY) expect(result).toMatchObject({ rows: 2, malformed: 4 });
    }
  });
});

/**
 * A day whose files end lines with CR, CRLF or nothing, hold blank and
 * whitespace-only lines, trailing garbage after an object, an empty file, and
 * hidden files: both engines must split and judge them the same way.
 */
async function writeOddDay(archive: string): Promise<void> {
  const doc = '55555555-5555-4555-8555-555555555555';
  const dir = join(dayDirectory(archive, ODD_DAY), 'hour=00');
  await mkdir(dir, { recursive: true });
  const good = (company: string, i: number) => embeddingLine(doc, company, i);
  await writeFile(join(dir, 'embeddings.ready+0+0000000000+0000000006.json'), `${good('a', 0)}\n\n${good('a', 1)}\r\n\t${good('a', 2)}  \r${good('a', 3)} junk\n${good('é', 0)}\n \n${good('a', 4)}`);
  await writeFile(join(dir, 'embeddings.ready+1+0000000000+0000000000.json'), '');
  await writeFile(join(dir, 'embeddings.ready+2+0000000000+0000000000.json'), '\n');
  await writeFile(join(dir, '.embeddings.ready+3+0000000000+0000000000.json'), good('hidden', 0));
  await writeFile(join(dir, '_embeddings.ready+4+0000000000+0000000000.json'), good('hidden', 1));
}
