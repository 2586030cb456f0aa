import type { Readable } from 'node:stream';
import { chunkId, decode, encode, Headers, parseS3Path, Topics, type DocumentRaw, type EncodedMessage } from '@docpipe/contracts';
import {
  dlqMessage,
  ObjectNotFoundError,
  sniffContentType,
  SNIFF_BYTES,
  type BusMessage,
  type EventBus,
  type Logger,
  type ObjectStore,
  type SupportedType,
} from '@docpipe/runtime';
import { chunkText, type Chunk } from './chunker.js';
import { chunkOptionsOf, extractLimitsOf, type DocprocConfig } from './config.js';
import { ExtractionError, extractText } from './extract/index.js';
import { formatBytes } from './format.js';
import type { DocprocFailure, DocprocObserver } from './metrics.js';

export interface DocprocDeps {
  bus: EventBus;
  store: ObjectStore;
  logger: Logger;
  config: DocprocConfig;
  observer?: DocprocObserver;
  /** Aborts an extraction in progress (shutdown); the message is then delivered again. */
  signal?: AbortSignal;
}

/** A document that will never process, whatever the retry; it goes to documents.dlq. */
export class DocumentRejected extends Error {
  constructor(
    readonly failure: DocprocFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DocumentRejected';
  }
}

/**
 * Handles one documents.raw message: fetches the object, sniffs its type from
 * its bytes, extracts, chunks, and publishes every chunk to chunks.processed
 * in one call. A permanent failure (poison message, missing object, too large,
 * unsupported or unreadable content, no text) becomes one documents.dlq
 * message and the call returns normally, so the message is committed. A
 * transient failure (store or bus) throws, so the message comes back.
 * Redelivery republishes the same chunk ids.
 */
export async function processDocument(msg: BusMessage, deps: DocprocDeps): Promise<void> {
  const decoded = decode(Topics.documentsRaw, msg.value);
  if (!decoded.ok) {
    await reject(msg, deps, { failure: 'invalid_message', error: decoded.error, ids: decoded.partial });
    return;
  }
  const doc = decoded.value;
  const logger = deps.logger.child({ document_id: doc.document_id, company_id: doc.company_id });
  let result: { contentType: SupportedType; chunks: Chunk[] };
  try {
    result = await documentChunks(doc, { ...deps, logger });
  } catch (err) {
    const rejected = deps.signal?.aborted ? null : asRejection(err); // stopping is not the document's fault
    if (rejected === null) throw err;
    logger.warn({ reason: rejected.failure, error: rejected.message }, 'document rejected');
    await reject(msg, deps, { failure: rejected.failure, error: rejected.message, ids: doc });
    return;
  }
  const { contentType, chunks } = result;
  await deps.bus.publish(Topics.chunksProcessed, chunkMessages(doc, chunks, msg.headers[Headers.traceparent]));
  deps.observer?.processed?.(contentType, chunks.length);
  logger.info({ content_type: contentType, chunks: chunks.length, tokens: sumTokens(chunks) }, 'document chunked');
}

async function documentChunks(doc: DocumentRaw, deps: DocprocDeps): Promise<{ contentType: SupportedType; chunks: Chunk[] }> {
  const bytes = await fetchDocument(doc, deps);
  const contentType = sniffContentType(bytes.subarray(0, SNIFF_BYTES), doc.filename);
  if (contentType === null) {
    throw new DocumentRejected('unsupported_type', 'unsupported document type: the content is not PDF, DOCX, HTML, Markdown or plain text');
  }
  if (contentType !== doc.content_type) deps.logger.debug({ declared: doc.content_type, sniffed: contentType }, 'content type differs from the declared one');
  const started = performance.now();
  const extracted = await extractText({ bytes, contentType, limits: extractLimitsOf(deps.config), signal: deps.signal });
  deps.observer?.extracted?.(contentType, (performance.now() - started) / 1000);
  const chunks = chunkText(extracted.sections, chunkOptionsOf(deps.config));
  if (chunks.length === 0) throw new ExtractionError('document contains no extractable text');
  return { contentType, chunks };
}

async function fetchDocument(doc: DocumentRaw, deps: DocprocDeps): Promise<Buffer> {
  const cap = deps.config.MAX_DOCUMENT_BYTES;
  if (doc.size_bytes > cap) throw tooLarge(cap);
  const { bucket, key } = s3Location(doc.s3_path);
  if (bucket !== deps.store.bucket) {
    throw new DocumentRejected('not_found', `object is in bucket ${bucket}, but docproc reads bucket ${deps.store.bucket}`);
  }
  return readCapped(await deps.store.get(key), cap);
}

function s3Location(s3Path: string): { bucket: string; key: string } {
  try {
    return parseS3Path(s3Path);
  } catch (err) {
    throw new DocumentRejected('invalid_message', `invalid s3_path ${JSON.stringify(s3Path)}`, { cause: err });
  }
}

/** The whole object (extraction needs it), refusing more than `cap` bytes without reading on. */
async function readCapped(stream: Readable, cap: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  // Leaving the loop by throwing destroys the stream: nothing past the cap is read.
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > cap) throw tooLarge(cap);
    parts.push(chunk);
  }
  return Buffer.concat(parts, size);
}

function tooLarge(cap: number): DocumentRejected {
  return new DocumentRejected('too_large', `document is larger than the ${formatBytes(cap)} limit`);
}

function asRejection(err: unknown): DocumentRejected | null {
  if (err instanceof DocumentRejected) return err;
  if (err instanceof ExtractionError) return new DocumentRejected('extraction', err.reason, { cause: err });
  if (err instanceof ObjectNotFoundError) return new DocumentRejected('not_found', 'the uploaded object no longer exists', { cause: err });
  return null;
}

async function reject(
  msg: BusMessage,
  deps: DocprocDeps,
  what: { failure: DocprocFailure; error: string; ids: { document_id: string | null; company_id: string | null } },
): Promise<void> {
  const dlq = dlqMessage({ stage: 'docproc', error: what.error, source: msg, documentId: what.ids.document_id, companyId: what.ids.company_id });
  await deps.bus.publish(Topics.documentsDlq, [dlq]);
  deps.observer?.failed?.(what.failure);
}

function chunkMessages(doc: DocumentRaw, chunks: Chunk[], traceparent: string | undefined): EncodedMessage[] {
  return chunks.map((chunk, index) =>
    encode(
      Topics.chunksProcessed,
      {
        chunk_id: chunkId(doc.document_id, index),
        document_id: doc.document_id,
        company_id: doc.company_id,
        text: chunk.text,
        page: chunk.page,
        chunk_index: index,
        chunk_count: chunks.length,
        token_count: chunk.tokenCount,
      },
      traceparent === undefined ? {} : { traceparent },
    ),
  );
}

function sumTokens(chunks: Chunk[]): number {
  return chunks.reduce((n, c) => n + c.tokenCount, 0);
}
