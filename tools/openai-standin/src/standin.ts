import { LocalEmbedder } from '@docpipe/runtime';
import { MinuteBudget, NOMINAL_RPM, NOMINAL_TPM, formatDuration } from './budget.js';
import { initialConfig, parsePatch, type StandinConfig, type StandinConfigPatch } from './config.js';
import { apiError, missingApiKey, serverError, type StandinHttpError } from './errors.js';
import { seededRandom } from './random.js';
import { emptyStats, type StandinStats } from './stats.js';
import type { EmbeddingsRequest } from './validate.js';

/** OpenAI's response to POST /v1/embeddings. */
export interface EmbeddingsResponse {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

const ORGANIZATION = 'org-standin';

/**
 * The stand-in's state and decisions, without HTTP: configuration, seeded
 * faults, minute budgets, statistics and the deterministic vectors.
 */
export class Standin {
  readonly stats: StandinStats = emptyStats();
  private config: StandinConfig;
  private random: () => number;
  private requests!: MinuteBudget;
  private tokens!: MinuteBudget;
  private readonly embedders = new Map<number, LocalEmbedder>();

  constructor(
    config: StandinConfig = initialConfig(),
    private readonly clock: () => number = Date.now,
  ) {
    this.config = config;
    this.random = seededRandom(config.seed);
    this.resetBudgets();
  }

  /** The configuration in force. */
  current(): StandinConfig {
    return { ...this.config };
  }

  /** Applies a (validated) change; a new seed restarts the fault sequence, new budgets start full. */
  configure(patch: StandinConfigPatch): StandinConfig {
    const change = parsePatch(patch);
    this.config = { ...this.config, ...change };
    if (change.seed !== undefined) this.random = seededRandom(change.seed);
    if (change.tpm !== undefined || change.rpm !== undefined) this.resetBudgets();
    return this.current();
  }

  /** Zeroes the counters (in-flight requests stay counted). */
  resetStats(): void {
    Object.assign(this.stats, emptyStats(), { inFlight: this.stats.inFlight });
  }

  /** Throws 401 unless `authorization` is a bearer token (the configured one, when set). */
  authenticate(authorization: string | undefined): void {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw missingApiKey();
    const key = match[1]!;
    if (this.config.apiKey !== null && key !== this.config.apiKey) {
      throw apiError(401, `Incorrect API key provided: ${redact(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`, {
        code: 'invalid_api_key',
      });
    }
  }

  /** Records a validated request's size. */
  observe(req: EmbeddingsRequest): void {
    const s = this.stats;
    s.totalInputs += req.texts.length;
    s.totalTokens += req.totalTokens;
    s.maxInputs = Math.max(s.maxInputs, req.texts.length);
    s.maxTokens = Math.max(s.maxTokens, req.totalTokens);
  }

  /**
   * Injected faults first, then the enforced budgets: throws the 429/5xx the
   * request gets, or returns the x-ratelimit-* headers of its success.
   */
  admit(req: EmbeddingsRequest): Record<string, string> {
    this.injectFault(req.model);
    const now = this.clock();
    this.takeBudget(this.requests, 1, { req, now, unit: 'requests' });
    this.takeBudget(this.tokens, req.totalTokens, { req, now, unit: 'tokens' });
    return this.rateLimitHeaders(now);
  }

  /** The answer to an admitted request: deterministic vectors of each text. */
  async respond(req: EmbeddingsRequest): Promise<EmbeddingsResponse> {
    const vectors = await this.embedder(req.dimensions).embed(req.texts);
    return {
      object: 'list',
      data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: encodeVector(v, req.encoding) })),
      model: req.model,
      usage: { prompt_tokens: req.totalTokens, total_tokens: req.totalTokens },
    };
  }

  /** x-ratelimit-* headers as OpenAI sends them. */
  rateLimitHeaders(now: number = this.clock()): Record<string, string> {
    return {
      'x-ratelimit-limit-requests': String(this.requests.limit),
      'x-ratelimit-remaining-requests': String(this.requests.remaining(now)),
      'x-ratelimit-reset-requests': formatDuration(this.requests.resetMs(now)),
      'x-ratelimit-limit-tokens': String(this.tokens.limit),
      'x-ratelimit-remaining-tokens': String(this.tokens.remaining(now)),
      'x-ratelimit-reset-tokens': formatDuration(this.tokens.resetMs(now)),
    };
  }

  private injectFault(model: string): void {
    const { rate429, rate5xx, retryAfterMs } = this.config;
    if (rate429 === 0 && rate5xx === 0) return;
    const r = this.random();
    if (r < rate429) {
      const limit = this.requests.limit;
      throw rateLimited(
        `Rate limit reached for ${model} in organization ${ORGANIZATION} on requests per min (RPM): Limit ${limit}, Used ${limit}, Requested 1. Please try again in ${formatDuration(retryAfterMs)}. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        { type: 'requests', waitMs: retryAfterMs, headers: this.rateLimitHeaders() },
      );
    }
    if (r < rate429 + rate5xx) throw serverError(this.random() < 0.5 ? 500 : 503);
  }

  private takeBudget(budget: MinuteBudget, amount: number, ctx: { req: EmbeddingsRequest; now: number; unit: 'requests' | 'tokens' }): void {
    const taken = budget.take(amount, ctx.now);
    if (taken.ok) return;
    this.stats.throttled++;
    const what = ctx.unit === 'tokens' ? 'tokens per min (TPM)' : 'requests per min (RPM)';
    const headers = this.rateLimitHeaders(ctx.now);
    if (amount > budget.limit) {
      throw rateLimited(
        `Request too large for ${ctx.req.model} in organization ${ORGANIZATION} on ${what}: Limit ${budget.limit}, Requested ${amount}. The input or output tokens must be reduced in order to run successfully. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        { type: ctx.unit, headers },
      );
    }
    const used = budget.limit - budget.remaining(ctx.now);
    throw rateLimited(
      `Rate limit reached for ${ctx.req.model} in organization ${ORGANIZATION} on ${what}: Limit ${budget.limit}, Used ${used}, Requested ${amount}. Please try again in ${formatDuration(taken.waitMs)}. Visit https://platform.openai.com/account/rate-limits to learn more.`,
      { type: ctx.unit, waitMs: taken.waitMs, headers },
    );
  }

  private resetBudgets(): void {
    const now = this.clock();
    this.requests = new MinuteBudget(this.config.rpm ?? NOMINAL_RPM, this.config.rpm !== null, now);
    this.tokens = new MinuteBudget(this.config.tpm ?? NOMINAL_TPM, this.config.tpm !== null, now);
  }

  private embedder(dimensions: number): LocalEmbedder {
    let embedder = this.embedders.get(dimensions);
    if (!embedder) {
      embedder = new LocalEmbedder({ dimensions });
      this.embedders.set(dimensions, embedder);
    }
    return embedder;
  }
}

function rateLimited(message: string, opts: { type: string; waitMs?: number; headers: Record<string, string> }): StandinHttpError {
  const retry: Record<string, string> =
    opts.waitMs === undefined ? {} : { 'retry-after': String(Math.ceil(opts.waitMs / 1000)), 'retry-after-ms': String(opts.waitMs) };
  return apiError(429, message, { type: opts.type, code: 'rate_limit_exceeded', headers: { ...opts.headers, ...retry } });
}

/** float32 values either way, so `float` and `base64` answers decode to the same numbers. */
function encodeVector(v: number[], encoding: 'float' | 'base64'): number[] | string {
  if (encoding === 'float') return v.map((x) => Math.fround(x));
  const bytes = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => bytes.writeFloatLE(x, i * 4));
  return bytes.toString('base64');
}

function redact(key: string): string {
  return key.length <= 8 ? '****' : `${key.slice(0, 3)}****${key.slice(-4)}`;
}
