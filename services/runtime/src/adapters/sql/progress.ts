import type { ChunkProgress, ProgressResult } from '../../ports/document-repository.js';
import { isUuid } from './cursor.js';
import type { SqlClient } from './sql-client.js';

/** Which message a chunk was seen on: chunks.processed or embeddings.ready. */
export type ProgressKind = 'chunked' | 'embedded';

// Locked in id order before anything is counted: two transactions recording
// chunks of one document (chunks.processed and embeddings.ready are consumed
// apart) then count one after the other, and never deadlock.
const LOCK_DOCUMENTS = `
  SELECT id::text AS id FROM documents WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`;

// OR keeps a flag once set: a redelivered chunks.processed never clears `embedded`.
const UPSERT_CHUNKS = `
  INSERT INTO document_chunks AS c (document_id, chunk_id, chunk_index, chunked, embedded)
  SELECT t.document_id, t.chunk_id, t.chunk_index, $4::boolean, $5::boolean
  FROM unnest($1::uuid[], $2::text[], $3::int[]) AS t (document_id, chunk_id, chunk_index)
  ON CONFLICT (document_id, chunk_id) DO UPDATE
  SET chunked = c.chunked OR EXCLUDED.chunked,
      embedded = c.embedded OR EXCLUDED.embedded`;

// Counts come from document_chunks, never from increments, so they are exact
// under redelivery. Status takes the later of current and computed; a failed
// document ignores progress; an unchanged row keeps its updated_at.
const RECOMPUTE_DOCUMENTS = `
  WITH batch AS (
    SELECT document_id, max(chunk_count) AS chunk_count
    FROM unnest($1::uuid[], $2::int[]) AS t (document_id, chunk_count)
    GROUP BY document_id
  ), seen AS (
    SELECT c.document_id,
           count(*) FILTER (WHERE c.chunked)::int AS chunked,
           count(*) FILTER (WHERE c.embedded)::int AS embedded
    FROM document_chunks c JOIN batch b ON b.document_id = c.document_id
    GROUP BY c.document_id
  ), computed AS (
    SELECT b.document_id, b.chunk_count, s.embedded,
           CASE WHEN s.embedded >= b.chunk_count THEN 'embedded'
                WHEN s.chunked >= b.chunk_count THEN 'chunked'
                ELSE 'processing' END AS status
    FROM batch b JOIN seen s ON s.document_id = b.document_id
  ), next AS (
    SELECT c.document_id, c.chunk_count, c.embedded,
           CASE WHEN docpipe_status_rank(c.status) > docpipe_status_rank(d.status)
                THEN c.status ELSE d.status END AS status
    FROM computed c JOIN documents d ON d.id = c.document_id
    WHERE d.status <> 'failed'
  )
  UPDATE documents d
  SET chunks_total = n.chunk_count, chunks_embedded = n.embedded, status = n.status, updated_at = now()
  FROM next n
  WHERE d.id = n.document_id
    AND (d.chunks_total, d.chunks_embedded, d.status) IS DISTINCT FROM (n.chunk_count, n.embedded, n.status)`;

/** The last report of each (document, chunk) pair: a batch may repeat one, and ON CONFLICT cannot touch a row twice. */
function distinctChunks(chunks: ChunkProgress[]): ChunkProgress[] {
  const byKey = new Map<string, ChunkProgress>();
  for (const c of chunks) byKey.set(`${c.document_id.toLowerCase()}/${c.chunk_id}`, c);
  return [...byKey.values()];
}

function distinctIds(ids: string[]): string[] {
  return [...new Set(ids)];
}

/**
 * Records that `chunks` were seen as `kind`, then recomputes chunks_total,
 * chunks_embedded and status of their documents, in one transaction of three
 * statements whatever the batch size. Returns the document ids that match no
 * document (malformed ids included).
 */
export async function recordProgress(
  client: SqlClient,
  kind: ProgressKind,
  chunks: ChunkProgress[],
): Promise<ProgressResult> {
  const malformed = distinctIds(chunks.filter((c) => !isUuid(c.document_id)).map((c) => c.document_id));
  const valid = distinctChunks(chunks.filter((c) => isUuid(c.document_id)));
  if (valid.length === 0) return { unknown: malformed };
  const known = await client.transaction(async (tx) => {
    const locked = await tx.query<{ id: string }>(LOCK_DOCUMENTS, [distinctIds(valid.map((c) => c.document_id))]);
    const ids = new Set(locked.rows.map((r) => r.id));
    const rows = valid.filter((c) => ids.has(c.document_id.toLowerCase()));
    if (rows.length > 0) await writeProgress(tx, kind, rows);
    return ids;
  });
  const unknown = distinctIds(valid.map((c) => c.document_id).filter((id) => !known.has(id.toLowerCase())));
  return { unknown: [...malformed, ...unknown] };
}

async function writeProgress(tx: SqlClient, kind: ProgressKind, rows: ChunkProgress[]): Promise<void> {
  await tx.query(UPSERT_CHUNKS, [
    rows.map((c) => c.document_id),
    rows.map((c) => c.chunk_id),
    rows.map((c) => c.chunk_index),
    kind === 'chunked',
    kind === 'embedded',
  ]);
  await tx.query(RECOMPUTE_DOCUMENTS, [rows.map((c) => c.document_id), rows.map((c) => c.chunk_count)]);
}
