import { decode, Topics, type ChunkProcessed } from '@docpipe/contracts';
import { countTokens, type BusMessage } from '@docpipe/runtime';

/** A valid chunk waiting to be embedded, with its real token count. */
export interface PendingChunk {
  message: BusMessage;
  chunk: ChunkProcessed;
  tokens: number;
}

/** A message that cannot be embedded and goes to documents.dlq instead. */
export interface DeadLetter {
  message: BusMessage;
  error: string;
  documentId: string | null;
  companyId: string | null;
}

/**
 * Decodes chunks.processed messages. Poison messages become dead letters;
 * valid chunks are counted with the embedding model's tokenizer, because the
 * producer's token_count is not what the embeddings API will enforce.
 */
export function decodeChunks(messages: readonly BusMessage[]): { pending: PendingChunk[]; dead: DeadLetter[] } {
  const pending: PendingChunk[] = [];
  const dead: DeadLetter[] = [];
  for (const message of messages) {
    const decoded = decode(Topics.chunksProcessed, message.value);
    if (decoded.ok) {
      pending.push({ message, chunk: decoded.value, tokens: countTokens(decoded.value.text) });
    } else {
      dead.push({ message, error: decoded.error, documentId: decoded.partial.document_id, companyId: decoded.partial.company_id });
    }
  }
  return { pending, dead };
}

/** The dead letter of a chunk the embedder could never accept, or refused. */
export function chunkDeadLetter(item: PendingChunk, error: string): DeadLetter {
  return {
    message: item.message,
    error: `chunk ${item.chunk.chunk_index} (${item.chunk.chunk_id}) of document ${item.chunk.document_id}: ${error}`,
    documentId: item.chunk.document_id,
    companyId: item.chunk.company_id,
  };
}
