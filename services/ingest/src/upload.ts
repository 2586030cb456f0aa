import { randomUUID } from 'node:crypto';
import { encode, objectKey, Topics, type UploadAccepted } from '@docpipe/contracts';
import { SNIFF_BYTES, sniffContentType, SupportedTypes, type DocumentRepository, type ObjectStore } from '@docpipe/runtime';
import type { MultipartFile, Multipart } from '@fastify/multipart';
import type { FastifyBaseLogger } from 'fastify';
import { HttpError } from '@docpipe/runtime';
import { displayName, safeObjectName } from './filename.js';
import { meterUpload, readHead, rejoin, tooLarge, type MeteredUpload } from './upload-stream.js';

/** The form field that carries the document (DESIGN §4). */
export const FILE_FIELD = 'file';

export interface UploadContext {
  repo: DocumentRepository;
  store: ObjectStore;
  log: FastifyBaseLogger;
  maxBytes: number;
  companyId: string;
}

/** The 202 body, and the size of what was stored (for metrics). */
export interface UploadResult {
  accepted: UploadAccepted;
  sizeBytes: number;
}

/** An object written to the store, with what was learnt while streaming it. */
interface StoredFile {
  key: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}

/**
 * Takes one multipart upload from `parts` to an object, a row and an outbox
 * message. Either all three exist afterwards or none does: any failure after
 * the object was written deletes it again.
 */
export async function receiveUpload(parts: AsyncIterableIterator<Multipart>, ctx: UploadContext): Promise<UploadResult> {
  const documentId = randomUUID();
  let key: string | null = null;
  try {
    let stored: StoredFile | null = null;
    for (let part = await nextPart(parts); part; part = await nextPart(parts)) {
      if (part.type !== 'file') continue;
      if (stored || part.fieldname !== FILE_FIELD) {
        part.file.destroy(); // stops the parser waiting for a part nobody reads
        throw stored ? multipleFiles() : missingFile();
      }
      key = objectKey(ctx.companyId, documentId, safeObjectName(part.filename));
      stored = await storeFile(part, key, ctx);
    }
    if (!stored) throw missingFile();
    const accepted = await recordDocument(documentId, stored, ctx);
    return { accepted, sizeBytes: stored.size };
  } catch (err) {
    if (key) await deleteQuietly(key, ctx);
    throw err;
  }
}

function multipleFiles(): HttpError {
  return new HttpError(400, 'multiple_files', `send exactly one file, in the field "${FILE_FIELD}"`);
}

function missingFile(): HttpError {
  return new HttpError(400, 'missing_file', `the form must carry the document in a file field named "${FILE_FIELD}"`);
}

/** The next form part; a parser error without a status is malformed input from the client. */
async function nextPart(parts: AsyncIterableIterator<Multipart>): Promise<Multipart | null> {
  try {
    const next = await parts.next();
    return next.done ? null : next.value;
  } catch (err) {
    if (err instanceof Error && 'statusCode' in err) throw err;
    throw new HttpError(400, 'malformed_multipart', `the multipart body is malformed: ${(err as Error).message}`, { cause: err });
  }
}

/** Streams one file part into `key`: sniffed, counted and hashed on the way, never buffered whole. */
async function storeFile(part: MultipartFile, key: string, ctx: UploadContext): Promise<StoredFile> {
  const filename = displayName(part.filename);
  const metered = meterUpload(part.file, ctx.maxBytes);
  try {
    const start = await readHead(metered.meter, SNIFF_BYTES);
    // An empty file is accepted: docproc fails it with a readable reason and a
    // documents.dlq message, like every other document that has no text.
    const contentType = sniffContentType(start.head.subarray(0, SNIFF_BYTES), filename);
    if (!contentType) throw unsupportedType();
    const metadata = { filename: encodeURIComponent(filename) };
    await ctx.store.put(key, rejoin(start), { contentType, metadata });
    return { key, filename, contentType, size: metered.meter.bytes, sha256: metered.meter.digest() };
  } catch (err) {
    metered.abort();
    throw explainFailure(err, metered, ctx.maxBytes);
  }
}

function unsupportedType(): HttpError {
  const supported = Object.values(SupportedTypes).join(', ');
  return new HttpError(415, 'unsupported_media_type', `the file's content is not a supported type; supported: ${supported}`);
}

/** Says whose fault a failed store was: ours (as thrown), the size limit, or a broken upload. */
function explainFailure(err: unknown, metered: MeteredUpload, maxBytes: number): unknown {
  if (err instanceof HttpError) return err;
  if (metered.meter.exceeded) return tooLarge(maxBytes);
  const source = metered.sourceError();
  if (source) {
    if ('statusCode' in source) return source;
    return new HttpError(400, 'malformed_multipart', `the upload was interrupted: ${source.message}`, { cause: source });
  }
  return err;
}

/** Writes the row and its documents.raw message in one transaction (the outbox relays it). */
async function recordDocument(documentId: string, file: StoredFile, ctx: UploadContext): Promise<UploadAccepted> {
  const s3Path = ctx.store.uri(file.key);
  const row = {
    document_id: documentId,
    company_id: ctx.companyId,
    filename: file.filename,
    content_type: file.contentType,
    size_bytes: file.size,
    sha256: file.sha256,
    s3_path: s3Path,
  };
  const message = encode(Topics.documentsRaw, { ...row, uploaded_at: Date.now() });
  await ctx.repo.createDocument(row, { topic: Topics.documentsRaw, message });
  return { document_id: documentId, company_id: ctx.companyId, filename: file.filename, status: 'uploaded', s3_path: s3Path };
}

async function deleteQuietly(key: string, ctx: UploadContext): Promise<void> {
  try {
    await ctx.store.delete(key);
  } catch (err) {
    // The request already failed; the leftover object is logged so it can be removed by hand.
    ctx.log.error({ err, key }, 'could not delete the object of a failed upload');
  }
}
