import type { DocumentPage, DocumentStatus, DocumentView } from '@docpipe/contracts';
import type { ListOptions } from '../../ports/document-repository.js';
import { decodeCursor, encodeCursor, isUuid, type PageCursor } from './cursor.js';
import type { SqlClient } from './sql-client.js';

/** The most documents one page may hold, whatever the caller asks. */
export const MAX_PAGE_SIZE = 100;

// created_micros is exact (extract() is numeric), unlike a Date, so the cursor never skips a row.
const VIEW_COLUMNS = `
  id::text AS document_id, company_id, filename, status, chunks_total, chunks_embedded, error,
  created_at, updated_at, (extract(epoch FROM created_at) * 1000000)::bigint::text AS created_micros`;

const GET_DOCUMENT = `SELECT ${VIEW_COLUMNS} FROM documents WHERE id = $1::uuid AND company_id = $2`;

const FIRST_PAGE = `
  SELECT ${VIEW_COLUMNS} FROM documents
  WHERE company_id = $1
  ORDER BY created_at DESC, id DESC
  LIMIT $2`;

const NEXT_PAGE = `
  SELECT ${VIEW_COLUMNS} FROM documents
  WHERE company_id = $1
    AND (created_at, id) < (timestamptz 'epoch' + $3::bigint * interval '1 microsecond', $4::uuid)
  ORDER BY created_at DESC, id DESC
  LIMIT $2`;

const COUNT_BY_STATUS = 'SELECT status, count(*)::int AS n FROM documents GROUP BY status';

interface ViewRow {
  document_id: string;
  company_id: string;
  filename: string;
  status: DocumentStatus;
  chunks_total: number;
  chunks_embedded: number;
  error: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  created_micros: string;
}

function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

function toView(row: ViewRow): DocumentView {
  return {
    document_id: row.document_id,
    company_id: row.company_id,
    filename: row.filename,
    status: row.status,
    chunks_total: row.chunks_total,
    chunks_embedded: row.chunks_embedded,
    error: row.error,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

/** One document of one company; null when absent, another company's, or not a uuid. */
export async function getDocument(client: SqlClient, companyId: string, documentId: string): Promise<DocumentView | null> {
  if (!isUuid(documentId)) return null;
  const { rows } = await client.query<ViewRow>(GET_DOCUMENT, [documentId, companyId]);
  return rows[0] ? toView(rows[0]) : null;
}

/** Clamps a requested page size into 1..MAX_PAGE_SIZE (the HTTP layer validates; this only defends). */
export function clampLimit(limit: number): number {
  if (!Number.isFinite(limit)) return MAX_PAGE_SIZE;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(limit)));
}

/**
 * A company's documents newest first (created_at, then id, descending),
 * keyset-paginated; throws InvalidCursorError on a malformed cursor.
 */
export async function listDocuments(client: SqlClient, companyId: string, options: ListOptions): Promise<DocumentPage> {
  const limit = clampLimit(options.limit);
  const after: PageCursor | null = options.cursor ? decodeCursor(options.cursor) : null;
  // One extra row tells whether another page follows, without a count.
  const { rows } = after
    ? await client.query<ViewRow>(NEXT_PAGE, [companyId, limit + 1, after.createdAtMicros, after.id])
    : await client.query<ViewRow>(FIRST_PAGE, [companyId, limit + 1]);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next = rows.length > limit && last ? encodeCursor({ createdAtMicros: last.created_micros, id: last.document_id }) : null;
  return { documents: page.map(toView), next_cursor: next };
}

/** The number of documents in each status, zeros included. */
export async function countByStatus(client: SqlClient): Promise<Record<DocumentStatus, number>> {
  const counts: Record<DocumentStatus, number> = { uploaded: 0, processing: 0, chunked: 0, embedded: 0, failed: 0 };
  const { rows } = await client.query<{ status: DocumentStatus; n: number }>(COUNT_BY_STATUS, []);
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}
