import { COMPANY_HEADER, CompanyId, type ErrorBody } from '@docpipe/contracts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** An error whose status, code and message are fit to show the client. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Builds the JSON body every error response carries (DESIGN §4). */
export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** Maps any thrown error to what the client may see; 5xx never carry details. */
export function classifyError(error: Partial<FastifyError> & Error): { status: number; code: string; message: string } {
  if (error instanceof HttpError) return { status: error.statusCode, code: error.code, message: error.message };
  // A malformed percent-encoding in the path, found while building the upstream URL.
  if (error instanceof URIError) return { status: 400, code: 'bad_request', message: 'the request path is malformed' };
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

/** The X-Company-ID a request acts for (the default when absent); malformed → 400, here at the edge. */
export function companyOf(request: FastifyRequest, fallback: string): string {
  const raw = request.headers[COMPANY_HEADER];
  if (raw === undefined) return fallback;
  const parsed = CompanyId.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new HttpError(400, 'invalid_company_id', 'X-Company-ID must be 1-64 letters, digits, "-", "_" or ".", not starting with "."');
}
