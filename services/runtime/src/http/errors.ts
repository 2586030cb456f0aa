import { COMPANY_HEADER, CompanyId, type ErrorBody } from '@docpipe/contracts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** An error whose status, code and message are fit to show the client (4xx). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'HttpError';
  }
}

/** Builds the JSON body every error response carries (DESIGN §4). */
export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

// Codes of errors raised by fastify and @fastify/multipart, translated into
// our vocabulary so clients see one set of codes whatever layer refused them.
const LIBRARY_ERRORS: Record<string, { status: number; code: string; message?: string }> = {
  FST_INVALID_MULTIPART_CONTENT_TYPE: { status: 400, code: 'not_multipart', message: 'the request must be multipart/form-data' },
  FST_FILES_LIMIT: { status: 400, code: 'multiple_files', message: 'send exactly one file, in the field "file"' },
  FST_PARTS_LIMIT: { status: 400, code: 'too_many_parts', message: 'the form has too many parts' },
  FST_FIELDS_LIMIT: { status: 400, code: 'too_many_parts', message: 'the form has too many fields' },
  FST_PROTO_VIOLATION: { status: 400, code: 'malformed_multipart', message: 'a form field name is not allowed' },
  FST_MP_PREMATURE_CLOSE: { status: 400, code: 'malformed_multipart', message: 'the upload ended before the form was complete' },
  FST_REQ_FILE_TOO_LARGE: { status: 413, code: 'payload_too_large' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
};

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  411: 'length_required',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  431: 'headers_too_large',
};

/** What a client is told about an error. */
export interface ClassifiedError {
  status: number;
  code: string;
  message: string;
}

/** Maps any thrown error to what the client may see; 5xx never carry details. */
export function classifyError(error: Partial<FastifyError> & Error): ClassifiedError {
  if (error instanceof HttpError) return { status: error.statusCode, code: error.code, message: error.message };
  // A malformed percent-encoding in the path (found while routing or building an upstream URL).
  if (error instanceof URIError) return { status: 400, code: 'bad_request', message: 'the request path is malformed' };
  const known = error.code ? LIBRARY_ERRORS[error.code] : undefined;
  if (known) return { status: known.status, code: known.code, message: known.message ?? error.message };
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, code: STATUS_CODES[status] ?? 'bad_request', message: error.message };
  return { status: 500, code: 'internal_error', message: 'internal error; the request id is in the logs' };
}

/** Installs JSON error and not-found handlers so every error has the `{error:{code,message}}` shape. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { status, code, message } = classifyError(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code, reason: message }, 'request refused');
    // An unread body must not be taken for the next request on this connection.
    if (!request.raw.complete) void reply.header('connection', 'close');
    void reply.status(status).send(errorBody(code, message));
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    void reply.status(404).send(errorBody('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`));
  });
}

/**
 * The company a request acts for: its X-Company-ID header, or `fallback` when
 * the header is absent. A malformed id is a 400, never silently the default.
 */
export function companyOf(request: FastifyRequest, fallback: string): string {
  const raw = request.headers[COMPANY_HEADER];
  if (raw === undefined) return fallback;
  const parsed = CompanyId.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new HttpError(400, 'invalid_company_id', 'X-Company-ID must be 1-64 letters, digits, "-", "_" or ".", not starting with "."');
}
