import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@docpipe/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dayDirectory, parseDay, partitionDirectory } from './day.js';
import { embeddingLine, EXPECTED_DAY_MALFORMED, EXPECTED_DAY_ROWS, FIXTURE_DAY, writeArchiveFile, writeFixtureArchive } from './fixtures.js';
import { listDayFiles, readPartitionRows, runReport } from './report.js';

const DOC = '44444444-4444-4444-8444-444444444444';

function memoryLogger() {
  const lines: string[] = [];
  const logger = createLogger({ name: 'report-test', format: 'json', level: 'info', destination: { write: (s: string) => void lines.push(s) } });
  return { logger, messages: () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg) };
}

describe('runReport', () => {
  let root: string;
  let archive: string;
  let output: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'docpipe-report-'));
    archive = join(root, 'archive', 'topics');
    output = join(root, 'reports');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('counts distinct chunks per document and company, skipping and counting malformed lines', async () => {
    await writeFixtureArchive(archive);
    const { logger, messages } = memoryLogger();
    const result = await runReport({ archive, output, day: FIXTURE_DAY }, logger);
    expect(result).toEqual({ day: FIXTURE_DAY, rows: EXPECTED_DAY_ROWS.length, malformed: EXPECTED_DAY_MALFORMED });
    expect(await readPartitionRows(partitionDirectory(output, FIXTURE_DAY))).toEqual(EXPECTED_DAY_ROWS);
    expect(messages()).toContain(`day=2025-01-05 rows=3 malformed=${EXPECTED_DAY_MALFORMED}`);
  });

  it('replaces only its own partition on a rerun', async () => {
    await writeFixtureArchive(archive);
    const { logger } = memoryLogger();
    const other = parseDay('2025-01-06');
    await runReport({ archive, output, day: other }, logger);
    const otherRows = await readPartitionRows(partitionDirectory(output, other));
    await runReport({ archive, output, day: FIXTURE_DAY }, logger);
    await writeArchiveFile(archive, { day: FIXTURE_DAY, hour: 23, partition: 0, startOffset: 90, lines: [embeddingLine(DOC, 'zeta', 0)] });
    const rerun = await runReport({ archive, output, day: FIXTURE_DAY }, logger);

    expect(rerun.rows).toBe(EXPECTED_DAY_ROWS.length + 1);
    expect(await readPartitionRows(partitionDirectory(output, FIXTURE_DAY))).toEqual([...EXPECTED_DAY_ROWS, { document_id: DOC, company_id: 'zeta', chunk_count: 1n }]);
    expect(await readPartitionRows(partitionDirectory(output, other))).toEqual(otherRows);
    expect(otherRows).toHaveLength(1);
    // One data file per partition, no staging or moved-aside directory left behind.
    expect((await readdir(output)).sort()).toEqual(['dt=2025-01-05', 'dt=2025-01-06']);
    expect((await readdir(partitionDirectory(output, FIXTURE_DAY))).sort()).toEqual(['_SUCCESS', 'part-00000.parquet']);
  });

  it('writes an empty partition for a missing day and says so', async () => {
    await writeFixtureArchive(archive);
    const { logger, messages } = memoryLogger();
    const day = parseDay('2025-01-09');
    const result = await runReport({ archive, output, day }, logger);
    expect(result).toEqual({ day, rows: 0, malformed: 0 });
    expect(await readPartitionRows(partitionDirectory(output, day))).toEqual([]);
    expect(messages()).toContain('no archive files for the day: writing an empty partition');
  });

  it('splits lines as Hadoop does: CR, CRLF, blank lines, a final terminator, empty files', async () => {
    const good = (i: number) => embeddingLine(DOC, 'acme', i);
    const dir = join(dayDirectory(archive, FIXTURE_DAY), 'hour=00');
    await mkdir(dir, { recursive: true });
    // good, blank (malformed), good (CRLF), good (CR), whitespace-only (malformed), good without terminator
    await writeFile(join(dir, 'a+0+0000000000+0000000005.json'), `${good(0)}\n\n${good(1)}\r\n${good(2)}\r \n${good(3)}`);
    await writeFile(join(dir, 'b+0+0000000006+0000000006.json'), '');
    await writeFile(join(dir, 'c+0+0000000007+0000000007.json'), '\n'); // one blank line
    await writeFile(join(dir, '.c+0+0000000008+0000000008.json.tmp.json'), good(5)); // hidden: not data
    await writeFile(join(dir, '_d+0+0000000009+0000000009.json'), good(6));
    const { logger } = memoryLogger();
    const result = await runReport({ archive, output, day: FIXTURE_DAY }, logger);
    expect(result.malformed).toBe(3);
    expect(await readPartitionRows(partitionDirectory(output, FIXTURE_DAY))).toEqual([{ document_id: DOC, company_id: 'acme', chunk_count: 4n }]);
  });
});

describe('listDayFiles', () => {
  it('lists the hour=* json files of the day only', async () => {
    const root = await mkdtemp(join(tmpdir(), 'docpipe-report-'));
    try {
      await writeFixtureArchive(root);
      const files = await listDayFiles(root, FIXTURE_DAY);
      expect(files.map((f) => f.slice(root.length))).toEqual([
        '/embeddings.ready/year=2025/month=01/day=05/hour=03/embeddings.ready+0+0000000000+0000000005.json',
        '/embeddings.ready/year=2025/month=01/day=05/hour=17/embeddings.ready+1+0000000040+0000000045.json',
      ]);
      expect(await listDayFiles(join(root, 'nowhere'), FIXTURE_DAY)).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
