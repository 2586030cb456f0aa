import { ConsumerGroups, decode, Topics, type EncodedMessage } from '@docpipe/contracts';
import {
  dlqMessage,
  type BusMessage,
  type ChunkProgress,
  type DocumentRepository,
  type EventBus,
  type Logger,
  type MessageBatch,
  type ProgressResult,
  type Service,
} from '@docpipe/runtime';

export interface StatusConsumerDeps {
  repo: DocumentRepository;
  bus: EventBus;
  logger: Logger;
}

/** Upper bound on one batch: one repository call records all of it. */
export const STATUS_BATCH_SIZE = 500;

type ProgressTopic = typeof Topics.chunksProcessed | typeof Topics.embeddingsReady;

/**
 * Keeps document status exact (DESIGN §3): consumes chunks.processed,
 * embeddings.ready and documents.dlq as group `docpipe-ingest-status`.
 */
export async function startStatusConsumer(deps: StatusConsumerDeps): Promise<Service> {
  const logger = deps.logger.child({ component: 'status-consumer' });
  const subscription = await deps.bus.subscribe({
    groupId: ConsumerGroups.ingestStatus,
    topics: [Topics.chunksProcessed, Topics.embeddingsReady, Topics.documentsDlq],
    maxBatchSize: STATUS_BATCH_SIZE,
    handleBatch: (batch) => handleStatusBatch(batch, { ...deps, logger }),
  });
  return { stop: () => subscription.stop() };
}

/**
 * Applies one batch (one topic-partition) with one repository call. Throwing
 * redelivers the batch, which is safe: the repository counts each chunk once.
 */
export async function handleStatusBatch(batch: MessageBatch, deps: StatusConsumerDeps): Promise<void> {
  switch (batch.topic) {
    case Topics.chunksProcessed:
      return recordProgress(batch.messages, Topics.chunksProcessed, deps, (c) => deps.repo.recordChunks(c));
    case Topics.embeddingsReady:
      return recordProgress(batch.messages, Topics.embeddingsReady, deps, (c) => deps.repo.recordEmbeddings(c));
    case Topics.documentsDlq:
      return recordFailures(batch.messages, deps);
    default:
      deps.logger.warn({ topic: batch.topic, count: batch.messages.length }, 'ignored messages of an unexpected topic');
  }
}

interface Progressed {
  message: BusMessage;
  progress: ChunkProgress;
  companyId: string;
}

async function recordProgress(
  messages: BusMessage[],
  topic: ProgressTopic,
  deps: StatusConsumerDeps,
  record: (chunks: ChunkProgress[]) => Promise<ProgressResult>,
): Promise<void> {
  const dead: EncodedMessage[] = [];
  const valid: Progressed[] = [];
  for (const message of messages) {
    const decoded = decode(topic, message.value);
    if (decoded.ok) {
      const { document_id, chunk_id, chunk_index, chunk_count, company_id } = decoded.value;
      valid.push({ message, progress: { document_id, chunk_id, chunk_index, chunk_count }, companyId: company_id });
    } else {
      const { document_id, company_id } = decoded.partial;
      dead.push(dlqMessage({ stage: 'status', error: decoded.error, source: message, documentId: document_id, companyId: company_id }));
    }
  }
  const { unknown } = valid.length > 0 ? await record(uniqueChunks(valid)) : { unknown: [] };
  const unknownIds = new Set(unknown);
  for (const { message, progress, companyId } of valid) {
    if (!unknownIds.has(progress.document_id)) continue;
    const error = `${topic} for unknown document ${progress.document_id}`;
    dead.push(dlqMessage({ stage: 'status', error, source: message, documentId: progress.document_id, companyId }));
  }
  await deadLetter(dead, topic, deps);
}

/** A redelivered chunk may sit twice in one batch; the repository sees it once. */
function uniqueChunks(items: Progressed[]): ChunkProgress[] {
  const byId = new Map<string, ChunkProgress>();
  for (const { progress } of items) byId.set(`${progress.document_id}:${progress.chunk_id}`, progress);
  return [...byId.values()];
}

async function deadLetter(dead: EncodedMessage[], topic: ProgressTopic, deps: StatusConsumerDeps): Promise<void> {
  if (dead.length === 0) return;
  await deps.bus.publish(Topics.documentsDlq, dead);
  deps.logger.warn({ topic, count: dead.length }, 'dead-lettered status messages');
}

/**
 * documents.dlq → the named documents become `failed` with `stage: error`.
 * Nothing read here is ever dead-lettered again, so there are no loops.
 */
async function recordFailures(messages: BusMessage[], deps: StatusConsumerDeps): Promise<void> {
  const reasons = new Map<string, string>();
  for (const message of messages) {
    const decoded = decode(Topics.documentsDlq, message.value);
    const where = { partition: message.partition, offset: message.offset };
    if (!decoded.ok) {
      deps.logger.warn({ ...where, error: decoded.error }, 'skipped an invalid documents.dlq message');
      continue;
    }
    const { document_id, stage, error, source_topic } = decoded.value;
    deps.logger.warn({ ...where, document_id, stage, source_topic, error }, 'dead letter received');
    // The first failure is the cause; later ones are usually its echoes.
    if (document_id && !reasons.has(document_id)) reasons.set(document_id, `${stage}: ${error}`);
  }
  for (const [documentId, reason] of reasons) await deps.repo.markFailed(documentId, reason);
}
