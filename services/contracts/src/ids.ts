import { createHash } from 'node:crypto';
import { z } from 'zod';

/** The company used when a request carries no `X-Company-ID` header (DESIGN §4). */
export const DEFAULT_COMPANY_ID = 'default-company-uuid';

/** 1–64 letters, digits, `-`, `_`, `.`; never starting with `.` (DESIGN §4). */
export const COMPANY_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

export const CompanyId = z
  .string()
  .regex(COMPANY_ID_PATTERN, 'company id must be 1-64 letters, digits, "-", "_" or ".", not starting with "."');

export const DocumentId = z.uuid();

/**
 * The deterministic id of a chunk: a redelivered message yields the same chunk
 * id, so every count downstream can be made exact.
 */
export function chunkId(documentId: string, chunkIndex: number): string {
  if (!Number.isInteger(chunkIndex) || chunkIndex < 0) {
    throw new RangeError(`chunk index must be a non-negative integer, got ${chunkIndex}`);
  }
  return createHash('sha256').update(`${documentId}:${chunkIndex}`).digest('hex').slice(0, 32);
}

export const ChunkId = z.string().regex(/^[0-9a-f]{32}$/, 'chunk id must be 32 lowercase hex characters');

/** Builds the object key of an upload: `{company_id}/{document_id}/{filename}` (DESIGN §1). */
export function objectKey(companyId: string, documentId: string, safeFilename: string): string {
  return `${companyId}/${documentId}/${safeFilename}`;
}

/** `s3://bucket/key` → `{bucket, key}`; throws on anything else. */
export function parseS3Path(s3Path: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(s3Path);
  if (!m) throw new Error(`not an s3:// path: ${s3Path}`);
  return { bucket: m[1]!, key: m[2]! };
}
