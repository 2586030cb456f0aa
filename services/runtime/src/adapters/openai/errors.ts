import { APIError } from 'openai';

/**
 * Statuses that say the request's inputs can never succeed. A wrong API key
 * (401/403) or an unknown model (404) is not among them: the operator fixes the
 * configuration, and treating those as permanent would dead-letter the whole
 * backlog instead of holding it until then.
 */
const PERMANENT_STATUSES = new Set([400, 413, 422]);

interface EmbeddingErrorFields {
  status?: number;
  permanent: boolean;
  code?: string | null;
  type?: string;
  requestId?: string | null;
  cause?: unknown;
}

/**
 * A failed embeddings call. `permanent` (and `status` 4xx) tells the
 * embedding service to dead-letter instead of retrying (isPermanentEmbedError);
 * throttling, 5xx and connection errors that outlived the SDK's retries are
 * transient and thrown for the message to come back.
 */
export class OpenAiEmbeddingError extends Error {
  readonly status: number | undefined;
  readonly permanent: boolean;
  readonly retriable: boolean;
  readonly code: string | null | undefined;
  readonly type: string | undefined;
  readonly requestId: string | null | undefined;

  constructor(message: string, fields: EmbeddingErrorFields) {
    super(message, { cause: fields.cause });
    this.name = 'OpenAiEmbeddingError';
    this.status = fields.status;
    this.permanent = fields.permanent;
    this.retriable = !fields.permanent;
    this.code = fields.code;
    this.type = fields.type;
    this.requestId = fields.requestId;
  }
}

/** Classifies what the openai SDK threw (after its own retries) as permanent or transient. */
export function toEmbeddingError(err: unknown, model: string): OpenAiEmbeddingError {
  if (err instanceof OpenAiEmbeddingError) return err;
  if (err instanceof APIError) {
    const permanent = err.status !== undefined && PERMANENT_STATUSES.has(err.status);
    const what = err.status === undefined ? 'failed to connect' : `failed with ${err.status}`;
    return new OpenAiEmbeddingError(`embeddings request (${model}) ${what}: ${err.message}`, {
      status: err.status,
      permanent,
      code: err.code,
      type: err.type,
      requestId: err.requestID,
      cause: err,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new OpenAiEmbeddingError(`embeddings request (${model}) failed: ${message}`, { permanent: false, cause: err });
}
