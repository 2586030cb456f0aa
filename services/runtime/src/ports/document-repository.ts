import type { DocumentPage, DocumentStatus, DocumentView, EncodedMessage, TopicName } from '@docpipe/contracts';

export interface NewDocument {
  document_id: string;
  company_id: string;
  /** The client's original file name, as given (kept as metadata, never used as a key). */
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  s3_path: string;
}

/** A message waiting in the transactional outbox. */
export interface OutboxMessage {
  id: string;
  topic: TopicName;
  message: EncodedMessage;
}

/** One chunk's progress, as seen on chunks.processed or embeddings.ready. */
export interface ChunkProgress {
  document_id: string;
  chunk_id: string;
  chunk_index: number;
  chunk_count: number;
}

/** What recording progress reports back: document ids that matched no document. */
export interface ProgressResult {
  unknown: string[];
}

export interface ListOptions {
  limit: number;
  cursor?: string | null;
}

/**
 * DocumentRepository — PostgreSQL in production, PGlite in local mode: the
 * same SQL and the same migrations (DESIGN §6). Every write is idempotent.
 */
export interface DocumentRepository {
  /** Applies pending migrations; safe when several replicas start together. */
  migrate(): Promise<void>;
  /** Writes the row (status `uploaded`) and its outbox message in one transaction. */
  createDocument(doc: NewDocument, outbox: { topic: TopicName; message: EncodedMessage }): Promise<void>;
  /**
   * Publishes up to `limit` outbox messages through `publish` and removes them
   * once it resolves; their documents move `uploaded → processing`. Returns how
   * many were relayed. Rows are locked while publishing, so two relays never
   * send the same message concurrently.
   */
  relayOutbox(limit: number, publish: (messages: OutboxMessage[]) => Promise<void>): Promise<number>;
  /**
   * Records chunks seen on chunks.processed (idempotent). Returns the
   * document ids that do not exist, so the caller can dead-letter them.
   */
  recordChunks(chunks: ChunkProgress[]): Promise<ProgressResult>;
  /**
   * Records chunks seen on embeddings.ready (idempotent); they may arrive
   * before their chunks.processed. Returns the unknown document ids.
   */
  recordEmbeddings(chunks: ChunkProgress[]): Promise<ProgressResult>;
  /** Moves the document to `failed` with a reason, unless it is already final. */
  markFailed(documentId: string, error: string): Promise<void>;
  /** Null when the document does not exist or belongs to another company. */
  getDocument(companyId: string, documentId: string): Promise<DocumentView | null>;
  listDocuments(companyId: string, options: ListOptions): Promise<DocumentPage>;
  /** Counts by status, for metrics. */
  countByStatus(): Promise<Record<DocumentStatus, number>>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
