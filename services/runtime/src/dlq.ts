import { CompanyId, DocumentId, encode, Topics, type DlqStage, type EncodedMessage } from '@docpipe/contracts';
import type { BusMessage } from './ports/event-bus.js';

/** Longer errors (stack traces, whole payload dumps) are cut to this many characters. */
export const DLQ_ERROR_MAX_CHARS = 2000;

export interface DlqArgs {
  stage: DlqStage;
  error: string;
  source: BusMessage;
  documentId?: string | null;
  companyId?: string | null;
  now?: number;
}

/**
 * Builds a validated documents.dlq message for a message that cannot be
 * processed, keyed by its document (empty key when unknown). Ids that are not
 * valid become null rather than failing: a poison message must always reach the DLQ.
 */
export function dlqMessage(args: DlqArgs): EncodedMessage {
  return encode(Topics.documentsDlq, {
    document_id: validOrNull(DocumentId, args.documentId),
    company_id: validOrNull(CompanyId, args.companyId),
    stage: args.stage,
    error: truncate(args.error.trim() || 'unknown error', DLQ_ERROR_MAX_CHARS),
    source_topic: args.source.topic,
    source_partition: args.source.partition,
    source_offset: args.source.offset,
    failed_at: args.now ?? Date.now(),
  });
}

function validOrNull(schema: typeof DocumentId | typeof CompanyId, value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return schema.safeParse(value).success ? value : null;
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  // Never leave half a surrogate pair at the end.
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
