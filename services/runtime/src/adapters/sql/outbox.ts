import type { EncodedMessage, TopicName } from '@docpipe/contracts';
import type { NewDocument, OutboxMessage } from '../../ports/document-repository.js';
import type { SqlClient } from './sql-client.js';

// One statement, so one transaction: the outbox row exists exactly when the
// document row was inserted, and a retried create (same id) changes nothing.
const INSERT_DOCUMENT_WITH_OUTBOX = `
  WITH doc AS (
    INSERT INTO documents (id, company_id, filename, content_type, size_bytes, sha256, s3_path, status)
    VALUES ($1::uuid, $2, $3, $4, $5::bigint, $6, $7, 'uploaded')
    ON CONFLICT (id) DO NOTHING
    RETURNING id
  )
  INSERT INTO outbox (topic, key, value, headers, document_id)
  SELECT $8, $9, $10::bytea, ($11::text)::jsonb, doc.id FROM doc`;

// SKIP LOCKED: a second relay takes the next rows instead of waiting for (or resending) these.
const CLAIM_OUTBOX = `
  SELECT id::text AS id, topic, key, value, headers::text AS headers, document_id::text AS document_id
  FROM outbox
  ORDER BY created_at, id
  LIMIT $1
  FOR UPDATE SKIP LOCKED`;

const DELETE_OUTBOX = 'DELETE FROM outbox WHERE id = ANY($1::bigint[])';

// Only forward: a document already chunked (its chunks overtook the relay) stays so.
const MARK_PROCESSING = `
  UPDATE documents SET status = 'processing', updated_at = now()
  WHERE id = ANY($1::uuid[]) AND status = 'uploaded'`;

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  value: Uint8Array;
  headers: string;
  document_id: string | null;
}

/** Inserts the document (status `uploaded`) and its outbox message atomically; a repeated id is a no-op. */
export async function insertDocument(
  client: SqlClient,
  doc: NewDocument,
  outbox: { topic: TopicName; message: EncodedMessage },
): Promise<void> {
  const { message } = outbox;
  await client.query(INSERT_DOCUMENT_WITH_OUTBOX, [
    doc.document_id,
    doc.company_id,
    doc.filename,
    doc.content_type,
    doc.size_bytes,
    doc.sha256,
    doc.s3_path,
    outbox.topic,
    message.key,
    message.value,
    JSON.stringify(message.headers),
  ]);
}

function toOutboxMessage(row: OutboxRow): OutboxMessage {
  const value = Buffer.from(row.value.buffer, row.value.byteOffset, row.value.byteLength);
  const headers = JSON.parse(row.headers) as Record<string, string>;
  return { id: row.id, topic: row.topic as TopicName, message: { key: row.key, value, headers } };
}

/**
 * Claims up to `limit` outbox rows, publishes them, deletes them and moves
 * their documents to `processing`, all in one transaction: if `publish`
 * throws, the rows stay for the next relay and the error propagates.
 */
export async function relayOutbox(
  client: SqlClient,
  limit: number,
  publish: (messages: OutboxMessage[]) => Promise<void>,
): Promise<number> {
  const n = Math.max(0, Math.floor(limit));
  if (n === 0) return 0;
  return client.transaction(async (tx) => {
    const claimed = await tx.query<OutboxRow>(CLAIM_OUTBOX, [n]);
    if (claimed.rows.length === 0) return 0;
    await publish(claimed.rows.map(toOutboxMessage));
    await tx.query(DELETE_OUTBOX, [claimed.rows.map((r) => r.id)]);
    const documentIds = claimed.rows.flatMap((r) => (r.document_id ? [r.document_id] : []));
    if (documentIds.length > 0) await tx.query(MARK_PROCESSING, [documentIds]);
    return claimed.rows.length;
  });
}
