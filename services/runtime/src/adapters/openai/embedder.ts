import OpenAI from 'openai';
import type { Logger } from '../../logging.js';
import { OPENAI_EMBEDDING_LIMITS, type Embedder, type EmbedderLimits } from '../../ports/embedder.js';
import { OpenAiEmbeddingError, toEmbeddingError } from './errors.js';
import { Semaphore } from './semaphore.js';

export interface OpenAiEmbedderOptions {
  apiKey: string;
  /** Unset: api.openai.com. The stand-in or another OpenAI-compatible endpoint otherwise (…/v1). */
  baseURL?: string;
  model: string;
  /** Unset: the model's native size; required for models not in NATIVE_DIMENSIONS. */
  dimensions?: number;
  /** Retries inside the SDK per request; default 8. */
  maxRetries?: number;
  /** Per attempt; default 60 s. */
  timeoutMs?: number;
  /** Requests in flight at once over all embed() calls; default 4. */
  concurrency?: number;
  logger?: Logger;
}

/** Vector sizes of OpenAI's embeddings models when `dimensions` is not sent. */
export const NATIVE_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/**
 * Embedder over the official openai SDK. The SDK retries 408/409/429/5xx
 * and connection errors itself (maxRetries), waiting what retry-after-ms /
 * retry-after say, else exponential backoff from 0.5 s to 8 s; what is
 * still failing after that is thrown as an OpenAiEmbeddingError.
 */
export class OpenAiEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  readonly limits: EmbedderLimits = OPENAI_EMBEDDING_LIMITS;
  private readonly client: OpenAI;
  private readonly slots: Semaphore;
  /** Sent only when it differs from the native size: ada-002 rejects any `dimensions`. */
  private readonly requestDimensions: number | undefined;
  private readonly logger: Logger | undefined;

  constructor(opts: OpenAiEmbedderOptions) {
    this.model = opts.model;
    const native = Object.hasOwn(NATIVE_DIMENSIONS, opts.model) ? NATIVE_DIMENSIONS[opts.model] : undefined;
    const dimensions = opts.dimensions ?? native;
    if (dimensions === undefined) {
      throw new RangeError(`EMBEDDING_DIMENSIONS is required for model ${opts.model}: its vector size is not known`);
    }
    if (!Number.isInteger(dimensions) || dimensions < 1) throw new RangeError(`dimensions must be a positive integer, got ${dimensions}`);
    this.dimensions = dimensions;
    this.requestDimensions = dimensions === native ? undefined : dimensions;
    this.slots = new Semaphore(opts.concurrency ?? 4);
    this.logger = opts.logger;
    this.client = new OpenAI({
      apiKey: opts.apiKey,
      baseURL: opts.baseURL,
      maxRetries: opts.maxRetries ?? 8,
      timeout: opts.timeoutMs ?? 60_000,
      ...sdkLogging(opts.logger),
    });
  }

  /** One request for all `inputs` (the caller keeps it within `limits`); vectors in input order. */
  async embed(inputs: string[]): Promise<number[][]> {
    const release = await this.slots.acquire();
    try {
      const res = await this.client.embeddings.create({
        model: this.model,
        input: inputs,
        ...(this.requestDimensions === undefined ? {} : { dimensions: this.requestDimensions }),
      });
      return this.inInputOrder(res.data, inputs.length);
    } catch (err) {
      const error = toEmbeddingError(err, this.model);
      this.logger?.warn({ status: error.status, code: error.code, requestId: error.requestId, permanent: error.permanent, inputs: inputs.length }, 'embeddings request failed');
      throw error;
    } finally {
      release();
    }
  }

  private inInputOrder(data: OpenAI.Embedding[], count: number): number[][] {
    const vectors: number[][] = new Array<number[]>(count);
    for (const item of data) {
      if (!(item.index >= 0 && item.index < count) || vectors[item.index]) throw malformed(`unexpected index ${item.index}`);
      if (item.embedding.length !== this.dimensions) {
        // Another size on every call: a configuration mistake no retry can fix.
        throw new OpenAiEmbeddingError(
          `embeddings of ${this.model} have ${item.embedding.length} dimensions, ${this.dimensions} configured (EMBEDDING_DIMENSIONS)`,
          { permanent: true },
        );
      }
      vectors[item.index] = item.embedding;
    }
    if (data.length !== count) throw malformed(`${data.length} embeddings for ${count} inputs`);
    return vectors;
  }
}

function malformed(detail: string): OpenAiEmbeddingError {
  return new OpenAiEmbeddingError(`malformed embeddings response: ${detail}`, { permanent: false });
}

/** Routes the SDK's own log lines (retries at info) into pino, one level lower; silent without a logger. */
function sdkLogging(logger: Logger | undefined): Pick<ConstructorParameters<typeof OpenAI>[0] & object, 'logger' | 'logLevel'> {
  if (!logger) return { logLevel: 'off' };
  const log = logger.child({ component: 'openai-sdk' });
  return {
    logLevel: 'info',
    logger: {
      error: (msg) => log.error(msg),
      warn: (msg) => log.warn(msg),
      info: (msg) => log.debug(msg),
      debug: (msg) => log.trace(msg),
    },
  };
}
