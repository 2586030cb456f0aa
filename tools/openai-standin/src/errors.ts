/** OpenAI's error body: every 4xx/5xx of the API carries this shape. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An HTTP answer the stand-in gives instead of embeddings. */
export class StandinHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: OpenAiErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.error.message);
    this.name = 'StandinHttpError';
  }
}

interface ErrorFields {
  type?: string;
  param?: string | null;
  code?: string | null;
  headers?: Record<string, string>;
}

/** Builds a StandinHttpError with OpenAI's body shape. */
export function apiError(status: number, message: string, fields: ErrorFields = {}): StandinHttpError {
  const body: OpenAiErrorBody = {
    error: { message, type: fields.type ?? 'invalid_request_error', param: fields.param ?? null, code: fields.code ?? null },
  };
  return new StandinHttpError(status, body, fields.headers);
}

/** 400 for a body the API's schema rejects (wrong input shape, empty string, > 2048 items). */
export function invalidInput(): StandinHttpError {
  return apiError(400, "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.");
}

/** 401 as OpenAI answers a request without a bearer token. */
export function missingApiKey(): StandinHttpError {
  return apiError(
    401,
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
  );
}

/** 404 model_not_found, OpenAI's answer for a model it does not serve. */
export function modelNotFound(model: string): StandinHttpError {
  return apiError(404, `The model \`${model}\` does not exist or you do not have access to it.`, { code: 'model_not_found' });
}

/** OpenAI's generic 5xx body: server errors never say more. */
export function serverError(status: number): StandinHttpError {
  const message =
    status === 503
      ? 'The server is overloaded or not ready yet.'
      : 'The server had an error while processing your request. Sorry about that!';
  return apiError(status, message, { type: 'server_error' });
}
