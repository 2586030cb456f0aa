import { z } from 'zod';

/**
 * Document status (DESIGN §3). `uploaded → processing → chunked → embedded`,
 * or `failed`. Status only moves forward; `failed` and `embedded` are final.
 */
export const DocumentStatus = z.enum(['uploaded', 'processing', 'chunked', 'embedded', 'failed']);
export type DocumentStatus = z.infer<typeof DocumentStatus>;

/** What `GET /ingest/status/{id}` returns (DESIGN §4). */
export const DocumentView = z.object({
  document_id: z.string(),
  company_id: z.string(),
  filename: z.string(),
  status: DocumentStatus,
  chunks_total: z.number().int().nonnegative(),
  chunks_embedded: z.number().int().nonnegative(),
  error: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type DocumentView = z.infer<typeof DocumentView>;

/** What `POST /ingest/upload` returns with 202 (DESIGN §4). */
export const UploadAccepted = z.object({
  document_id: z.string(),
  company_id: z.string(),
  filename: z.string(),
  status: DocumentStatus,
  s3_path: z.string(),
});
export type UploadAccepted = z.infer<typeof UploadAccepted>;

/** What `GET /ingest/status` returns: newest first, `next_cursor` null on the last page. */
export const DocumentPage = z.object({
  documents: z.array(DocumentView),
  next_cursor: z.string().nullable(),
});
export type DocumentPage = z.infer<typeof DocumentPage>;

/** The JSON body of every error response (DESIGN §4). */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** HTTP header naming the company (DESIGN §4). */
export const COMPANY_HEADER = 'x-company-id';
