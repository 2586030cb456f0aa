import { countTokens, decodeTokens, OPENAI_EMBEDDING_LIMITS } from '@docpipe/runtime';
import { apiError, invalidInput, modelNotFound, type StandinHttpError } from './errors.js';
import { modelSpec } from './models.js';

/** An embeddings request the API accepts, reduced to what the answer needs. */
export interface EmbeddingsRequest {
  model: string;
  /** Text of every input (token-array inputs are decoded). */
  texts: string[];
  /** cl100k tokens of every input, as billed. */
  tokens: number[];
  totalTokens: number;
  dimensions: number;
  encoding: 'float' | 'base64';
}

type Raw = Record<string, unknown>;

/**
 * Checks a POST /v1/embeddings body the way OpenAI does and throws the
 * StandinHttpError OpenAI would answer with; returns the accepted request.
 */
export function parseEmbeddingsRequest(body: unknown): EmbeddingsRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw unparsableBody();
  const raw = body as Raw;
  if (typeof raw['model'] !== 'string' || raw['model'] === '') {
    throw apiError(400, 'you must provide a model parameter');
  }
  const model = raw['model'];
  const spec = modelSpec(model);
  if (!spec) throw modelNotFound(model);
  const inputs = normaliseInput(raw['input']);
  const tokens = inputs.map((input) => (typeof input === 'string' ? countTokens(input) : input.length));
  const totalTokens = checkTokenLimits(tokens);
  const dimensions = checkDimensions(raw['dimensions'], spec.dimensions, spec.allowsDimensions);
  const encoding = checkEncoding(raw['encoding_format']);
  if (raw['user'] !== undefined && typeof raw['user'] !== 'string') throw invalidParam('user', raw['user']);
  const texts = inputs.map((input) => (typeof input === 'string' ? input : decodeIds(input)));
  return { model, texts, tokens, totalTokens, dimensions, encoding };
}

/** 400 with OpenAI's message for a body that is not a JSON object. */
export function unparsableBody(): StandinHttpError {
  return apiError(
    400,
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
  );
}

/** string | string[] | number[] | number[][] → one entry per input; anything else is invalid. */
function normaliseInput(input: unknown): (string | number[])[] {
  if (typeof input === 'string') return [nonEmpty(input)];
  if (!Array.isArray(input) || input.length === 0) throw invalidInput();
  if (input.length > OPENAI_EMBEDDING_LIMITS.maxInputsPerRequest && !isTokenArray(input)) throw invalidInput();
  if (isTokenArray(input)) return [input];
  return input.map((item: unknown) => {
    if (typeof item === 'string') return nonEmpty(item);
    if (Array.isArray(item) && item.length > 0 && isTokenArray(item)) return item;
    throw invalidInput();
  });
}

function nonEmpty(text: string): string {
  if (text.length === 0) throw invalidInput();
  return text;
}

function isTokenArray(items: unknown[]): items is number[] {
  return items.length > 0 && items.every((t) => Number.isInteger(t) && (t as number) >= 0);
}

function decodeIds(ids: number[]): string {
  try {
    return decodeTokens(ids);
  } catch {
    throw invalidInput();
  }
}

/** Per-input and per-request token limits; returns the request's total. */
function checkTokenLimits(tokens: number[]): number {
  const { maxTokensPerInput, maxTokensPerRequest } = OPENAI_EMBEDDING_LIMITS;
  let total = 0;
  for (const n of tokens) {
    if (n > maxTokensPerInput) {
      throw apiError(
        400,
        `This model's maximum context length is ${maxTokensPerInput} tokens, however you requested ${n} tokens (${n} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.`,
      );
    }
    total += n;
  }
  if (total > maxTokensPerRequest) {
    throw apiError(400, `Requested ${total} tokens, max ${maxTokensPerRequest} tokens per request`, {
      type: 'max_tokens_per_request',
      code: 'max_tokens_per_request',
    });
  }
  return total;
}

function checkDimensions(value: unknown, native: number, allowed: boolean): number {
  if (value === undefined || value === null) return native;
  if (!allowed) throw apiError(400, 'This model does not support specifying dimensions.');
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidParam('dimensions', value);
  if (value < 1 || value > native) {
    throw apiError(400, `Invalid value for 'dimensions' = ${value}. Must be between 1 and ${native}.`, {
      param: 'dimensions',
      code: 'invalid_value',
    });
  }
  return value;
}

function checkEncoding(value: unknown): 'float' | 'base64' {
  if (value === undefined || value === null) return 'float';
  if (value === 'float' || value === 'base64') return value;
  throw invalidParam('encoding_format', value);
}

function invalidParam(param: string, value: unknown): StandinHttpError {
  return apiError(400, `Invalid value for '${param}': ${JSON.stringify(value)}.`, { param, code: 'invalid_value' });
}
