import { z } from 'zod';
import { ChunkId, CompanyId, DocumentId } from './ids.js';
import { Topics, type TopicName } from './topics.js';

const EpochMs = z.number().int().nonnegative();
const Offset = z.string().regex(/^\d+$/, 'offset must be a decimal string');

/** documents.raw — ingest → docproc, archive. */
export const DocumentRaw = z.object({
  document_id: DocumentId,
  company_id: CompanyId,
  s3_path: z.string().min(1),
  filename: z.string().min(1).max(255),
  content_type: z.string().min(1),
  size_bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  uploaded_at: EpochMs,
});
export type DocumentRaw = z.infer<typeof DocumentRaw>;

/** chunks.processed — docproc → embedding, ingest (status), archive. */
export const ChunkProcessed = z.object({
  chunk_id: ChunkId,
  document_id: DocumentId,
  company_id: CompanyId,
  text: z.string().min(1),
  page: z.number().int().positive().nullable(),
  chunk_index: z.number().int().nonnegative(),
  chunk_count: z.number().int().positive(),
  token_count: z.number().int().positive(),
}).refine((c) => c.chunk_index < c.chunk_count, { message: 'chunk_index must be below chunk_count', path: ['chunk_index'] });
export type ChunkProcessed = z.infer<typeof ChunkProcessed>;

/** embeddings.ready — embedding → Flink, ingest (status), archive. */
export const EmbeddingReady = z.object({
  chunk_id: ChunkId,
  document_id: DocumentId,
  company_id: CompanyId,
  vector: z.array(z.number()).min(1),
  chunk_index: z.number().int().nonnegative(),
  chunk_count: z.number().int().positive(),
  model: z.string().min(1),
  embedded_at: EpochMs,
}).refine((c) => c.chunk_index < c.chunk_count, { message: 'chunk_index must be below chunk_count', path: ['chunk_index'] });
export type EmbeddingReady = z.infer<typeof EmbeddingReady>;

/** analytics.flink — Flink job (or its local stand-in) → dashboards. */
export const AnalyticsWindow = z.object({
  timestamp: EpochMs,
  window_end: EpochMs,
  company_id: CompanyId,
  count: z.number().int().nonnegative(),
});
export type AnalyticsWindow = z.infer<typeof AnalyticsWindow>;

export const DlqStage = z.enum(['ingest', 'docproc', 'embedding', 'status']);
export type DlqStage = z.infer<typeof DlqStage>;

/**
 * documents.dlq — any worker → ingest (status), operators. `document_id` and
 * `company_id` are null when the poison message was too broken to name them.
 */
export const DocumentDlq = z.object({
  document_id: DocumentId.nullable(),
  company_id: CompanyId.nullable(),
  stage: DlqStage,
  error: z.string().min(1),
  source_topic: z.string().min(1),
  source_partition: z.number().int().nonnegative(),
  source_offset: Offset,
  failed_at: EpochMs,
});
export type DocumentDlq = z.infer<typeof DocumentDlq>;

/** The payload schema of every topic. */
export const TopicSchemas = {
  [Topics.documentsRaw]: DocumentRaw,
  [Topics.chunksProcessed]: ChunkProcessed,
  [Topics.embeddingsReady]: EmbeddingReady,
  [Topics.analyticsFlink]: AnalyticsWindow,
  [Topics.documentsDlq]: DocumentDlq,
} as const satisfies Record<TopicName, z.ZodType>;

export type TopicPayload<T extends TopicName> = z.infer<(typeof TopicSchemas)[T]>;

/** The field each topic's record key is taken from (DESIGN §2). */
export const TopicKeyField = {
  [Topics.documentsRaw]: 'document_id',
  [Topics.chunksProcessed]: 'document_id',
  [Topics.embeddingsReady]: 'document_id',
  [Topics.analyticsFlink]: 'company_id',
  [Topics.documentsDlq]: 'document_id',
} as const satisfies Record<TopicName, string>;
