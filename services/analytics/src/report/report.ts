import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DuckDBInstance, listValue, type DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from '@docpipe/runtime';
import { dayDirectory, partitionDirectory, summaryLine, type DayResult, type ReportDay } from './day.js';
import { copyRowsSql, EMPTY_GROUPS_SQL, GROUPS_SQL, readPartitionSql, TOTALS_SQL } from './sql.js';

/** What the daily report reads and where it writes. */
export interface ReportOptions {
  /** The archive's topics directory (local disk). */
  archive: string;
  /** The report's root; the day goes to `<output>/dt=YYYY-MM-DD/`. */
  output: string;
  day: ReportDay;
}

/** One row of the report (and of the Spark job's Parquet). */
export interface ReportRow {
  document_id: string;
  company_id: string;
  chunk_count: bigint;
}

/** Hadoop's rule, which the Spark job follows: names starting with `.` or `_` are not data. */
function isDataName(name: string): boolean {
  return !name.startsWith('.') && !name.startsWith('_');
}

/** The day's archive files, `hour=*\/*.json`, sorted; empty when the day has none. */
export async function listDayFiles(archive: string, day: ReportDay): Promise<string[]> {
  const dayDir = dayDirectory(archive, day);
  const hours = (await readdirOrEmpty(dayDir)).filter((e) => e.isDirectory() && e.name.startsWith('hour=')).map((e) => e.name);
  const files: string[] = [];
  for (const hour of hours.sort()) {
    const entries = await readdirOrEmpty(join(dayDir, hour));
    files.push(...entries.filter((e) => e.isFile() && e.name.endsWith('.json') && isDataName(e.name)).map((e) => join(dayDir, hour, e.name)));
  }
  return files.sort();
}

async function readdirOrEmpty(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Runs `work` on a fresh in-memory DuckDB, closed afterwards whatever happens. */
async function withDuckDb<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    try {
      return await work(connection);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/**
 * The daily report: reads day D of embeddings.ready from the archive, counts
 * distinct chunk ids per (document_id, company_id), and replaces
 * `<output>/dt=D/` with one Parquet file. A missing day writes an empty
 * partition and says so; malformed lines are skipped and counted.
 */
export async function runReport(options: ReportOptions, logger: Logger): Promise<DayResult> {
  const files = await listDayFiles(options.archive, options.day);
  if (files.length === 0) {
    logger.warn({ day: options.day.iso, dir: dayDirectory(options.archive, options.day) }, 'no archive files for the day: writing an empty partition');
  }
  const staging = stagingDirectory(options);
  await mkdir(staging, { recursive: true });
  try {
    const totals = await withDuckDb(async (connection) => {
      await connection.run(files.length > 0 ? GROUPS_SQL : EMPTY_GROUPS_SQL, files.length > 0 ? [listValue(files)] : undefined);
      await connection.run(copyRowsSql(join(staging, 'part-00000.parquet')));
      return readTotals(connection);
    });
    await writeFile(join(staging, '_SUCCESS'), '');
    await replaceDirectory(staging, partitionDirectory(options.output, options.day));
    const result = { day: options.day, ...totals };
    if (result.malformed > 0) logger.warn({ day: options.day.iso, malformed: result.malformed }, 'skipped malformed lines');
    logger.info({ day: options.day.iso, rows: result.rows, malformed: result.malformed, files: files.length }, summaryLine(result));
    return result;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function readTotals(connection: DuckDBConnection): Promise<{ rows: number; malformed: number }> {
  const reader = await connection.runAndReadAll(TOTALS_SQL);
  const [rows, malformed] = reader.getRows()[0] as [bigint, bigint];
  return { rows: Number(rows), malformed: Number(malformed) };
}

/** A hidden sibling of the partition: readers skip it, and the final rename stays on one filesystem. */
function stagingDirectory(options: ReportOptions): string {
  return join(options.output, `.dt=${options.day.iso}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Puts `staging` in place of `target`. POSIX cannot rename a directory over a
 * non-empty one, so the old partition moves aside first: readers see the old
 * rows or the new ones, or for an instant no partition, never a mix.
 */
async function replaceDirectory(staging: string, target: string): Promise<void> {
  const aside = join(dirname(target), `.${basename(target)}.old-${process.pid}-${randomBytes(4).toString('hex')}`);
  let movedAside = false;
  try {
    await rename(target, aside);
    movedAside = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    await rename(staging, target);
  } catch (err) {
    if (movedAside) await rename(aside, target);
    throw err;
  }
  if (movedAside) await rm(aside, { recursive: true, force: true });
}

/** The rows of one partition directory (a report's or the Spark job's), sorted by company_id, document_id. */
export async function readPartitionRows(directory: string): Promise<ReportRow[]> {
  return withDuckDb(async (connection) => {
    const reader = await connection.runAndReadAll(readPartitionSql(directory));
    return reader.getRows().map(([document_id, company_id, chunk_count]) => ({
      document_id: String(document_id),
      company_id: String(company_id),
      chunk_count: chunk_count as bigint,
    }));
  });
}
