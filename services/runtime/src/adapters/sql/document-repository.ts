import type { DocumentPage, DocumentStatus, DocumentView, EncodedMessage, TopicName } from '@docpipe/contracts';
import type {
  ChunkProgress,
  DocumentRepository,
  ListOptions,
  NewDocument,
  OutboxMessage,
  ProgressResult,
} from '../../ports/document-repository.js';
import { isUuid } from './cursor.js';
import { countByStatus, getDocument, listDocuments } from './document-reads.js';
import { migrate } from './migrate.js';
import { insertDocument, relayOutbox } from './outbox.js';
import { recordProgress } from './progress.js';
import type { SqlClient, SqlLogger } from './sql-client.js';

// First failure wins, and an embedded document is done: neither is overwritten.
const MARK_FAILED = `
  UPDATE documents SET status = 'failed', error = $2, updated_at = now()
  WHERE id = $1::uuid AND status NOT IN ('embedded', 'failed')`;

export interface SqlDocumentRepositoryOptions {
  logger?: SqlLogger;
  /** Where the migration files are; services/runtime/migrations/ by default. */
  migrationsDir?: URL;
}

/**
 * DocumentRepository over any SqlClient: PGlite in local mode and tests, pg
 * in production, with the same SQL and migrations (DESIGN §6).
 */
export class SqlDocumentRepository implements DocumentRepository {
  constructor(
    private readonly client: SqlClient,
    private readonly options: SqlDocumentRepositoryOptions = {},
  ) {}

  async migrate(): Promise<void> {
    await migrate(this.client, { dir: this.options.migrationsDir, logger: this.options.logger });
  }

  createDocument(doc: NewDocument, outbox: { topic: TopicName; message: EncodedMessage }): Promise<void> {
    return insertDocument(this.client, doc, outbox);
  }

  relayOutbox(limit: number, publish: (messages: OutboxMessage[]) => Promise<void>): Promise<number> {
    return relayOutbox(this.client, limit, publish);
  }

  recordChunks(chunks: ChunkProgress[]): Promise<ProgressResult> {
    return recordProgress(this.client, 'chunked', chunks);
  }

  recordEmbeddings(chunks: ChunkProgress[]): Promise<ProgressResult> {
    return recordProgress(this.client, 'embedded', chunks);
  }

  async markFailed(documentId: string, error: string): Promise<void> {
    if (!isUuid(documentId)) return;
    await this.client.query(MARK_FAILED, [documentId, error]);
  }

  getDocument(companyId: string, documentId: string): Promise<DocumentView | null> {
    return getDocument(this.client, companyId, documentId);
  }

  listDocuments(companyId: string, options: ListOptions): Promise<DocumentPage> {
    return listDocuments(this.client, companyId, options);
  }

  countByStatus(): Promise<Record<DocumentStatus, number>> {
    return countByStatus(this.client);
  }

  async ping(): Promise<boolean> {
    try {
      await this.client.query('SELECT 1', []);
      return true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
