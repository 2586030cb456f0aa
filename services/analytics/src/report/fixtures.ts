// Hand-written archive files for the tests of the daily report and the Spark job
// (both must give exactly EXPECTED_DAY_ROWS and EXPECTED_DAY_MALFORMED).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chunkId, Topics } from '@docpipe/contracts';
import { committedFileName } from '../archive/layout.js';
import { dayDirectory, parseDay, type ReportDay } from './day.js';

/** One archive file: a run of offsets of one partition in one hour. */
export interface ArchiveFileSpec {
  day: ReportDay;
  hour: number;
  partition: number;
  startOffset: number;
  /** The record values, one per line, as the sink writes them. */
  lines: string[];
}

/** `<topic>+<partition>+<start>+<end>.json`, offsets zero-padded to 10 digits, end inclusive. */
export function archiveFileName(spec: Pick<ArchiveFileSpec, 'partition' | 'startOffset' | 'lines'>, topic: string = Topics.embeddingsReady): string {
  return committedFileName(topic, spec.partition, BigInt(spec.startOffset), BigInt(spec.startOffset + spec.lines.length - 1));
}

/** Writes one file of embeddings.ready in the archive layout under `archive` (a topics dir); returns its path. */
export async function writeArchiveFile(archive: string, spec: ArchiveFileSpec): Promise<string> {
  const dir = join(dayDirectory(archive, spec.day), `hour=${String(spec.hour).padStart(2, '0')}`);
  await mkdir(dir, { recursive: true });
  const file = join(dir, archiveFileName(spec));
  await writeFile(file, spec.lines.map((l) => `${l}\n`).join(''));
  return file;
}

/** A well-formed embeddings.ready value (a short vector: the jobs never read it). */
export function embeddingLine(documentId: string, companyId: string, chunkIndex: number, embeddedAt = 1_736_046_000_000): string {
  return JSON.stringify({
    chunk_id: chunkId(documentId, chunkIndex),
    document_id: documentId,
    company_id: companyId,
    vector: [0.25, -0.5, 0.125],
    chunk_index: chunkIndex,
    chunk_count: 8,
    model: 'text-embedding-3-small',
    embedded_at: embeddedAt,
  });
}

const DOC_A = '11111111-1111-4111-8111-111111111111';
const DOC_B = '22222222-2222-4222-8222-222222222222';
const DOC_C = '03333333-3333-4333-8333-333333333333';

/** The day the fixture is about; its neighbours hold records that must not count. */
export const FIXTURE_DAY = parseDay('2025-01-05');

/**
 * The fixture's files: two hours of the day (two partitions), duplicates of the
 * same chunk across hours, five malformed lines, and a record on each
 * neighbouring day.
 */
export const FIXTURE_FILES: readonly ArchiveFileSpec[] = [
  {
    day: FIXTURE_DAY, hour: 3, partition: 0, startOffset: 0,
    lines: [
      embeddingLine(DOC_A, 'acme', 0),
      embeddingLine(DOC_A, 'acme', 1),
      embeddingLine(DOC_A, 'acme', 0), // redelivered: counts once
      'not json at all {',
      JSON.stringify({ chunk_id: 123, document_id: DOC_A, company_id: 'acme' }), // wrong type
      JSON.stringify({ document_id: DOC_A, company_id: 'acme' }), // missing chunk_id
    ],
  },
  {
    day: FIXTURE_DAY, hour: 17, partition: 1, startOffset: 40,
    lines: [
      embeddingLine(DOC_A, 'acme', 2),
      embeddingLine(DOC_B, 'beta', 0),
      embeddingLine(DOC_A, 'acme', 1), // the same chunk again, another hour
      embeddingLine(DOC_C, 'acme', 0),
      '[1,2]', // not an object
      JSON.stringify({ chunk_id: chunkId(DOC_B, 1), document_id: DOC_B, company_id: 42 }), // company id a number
    ],
  },
  { day: parseDay('2025-01-06'), hour: 0, partition: 0, startOffset: 6, lines: [embeddingLine(DOC_A, 'acme', 5)] },
  { day: parseDay('2025-01-04'), hour: 23, partition: 1, startOffset: 39, lines: [embeddingLine(DOC_B, 'beta', 7)] },
];

/** The rows both engines must produce for FIXTURE_DAY, in order. */
export const EXPECTED_DAY_ROWS = [
  { document_id: DOC_C, company_id: 'acme', chunk_count: 1n },
  { document_id: DOC_A, company_id: 'acme', chunk_count: 3n },
  { document_id: DOC_B, company_id: 'beta', chunk_count: 1n },
] as const;

/** The malformed lines of FIXTURE_DAY. */
export const EXPECTED_DAY_MALFORMED = 5;

/** Writes every fixture file under `archive`. */
export async function writeFixtureArchive(archive: string): Promise<void> {
  for (const spec of FIXTURE_FILES) await writeArchiveFile(archive, spec);
}
