import { z } from 'zod';

const fraction = z.number().min(0).max(1);
const budget = z.number().int().positive().nullable();

// No .default() here: zod 4 applies defaults even inside .partial(), which
// would turn every change into a reset of the fields it leaves out.
const StandinConfigShape = z.object({
  /** Fraction of embeddings requests answered 429 rate_limit_exceeded. */
  rate429: fraction,
  /** Fraction answered 500 or 503 server_error. */
  rate5xx: fraction,
  /** Added to every embeddings request before it is answered. */
  latencyMs: z.number().int().min(0),
  /** What injected 429s ask the client to wait (retry-after-ms; retry-after rounded up to seconds). */
  retryAfterMs: z.number().int().min(0),
  /** Tokens-per-minute budget that really throttles (429 with the real wait); null: not enforced. */
  tpm: budget,
  /** Requests-per-minute budget that really throttles; null: not enforced. */
  rpm: budget,
  /** Seed of the fault-injection random numbers; setting it restarts the sequence. */
  seed: z.number().int(),
  /** When set, only this bearer token is accepted (401 invalid_api_key otherwise). */
  apiKey: z.string().min(1).nullable(),
});

/** The stand-in's behaviour, settable at start and at run time (POST /_standin/config). */
export type StandinConfig = z.output<typeof StandinConfigShape>;

/** A change to the configuration: any subset of its fields; unknown fields are refused. */
export const StandinConfigPatch = StandinConfigShape.partial().strict();
export type StandinConfigPatch = z.input<typeof StandinConfigPatch>;

/** No faults, no enforced budgets, any key. */
export const DEFAULT_STANDIN_CONFIG: Readonly<StandinConfig> = {
  rate429: 0,
  rate5xx: 0,
  latencyMs: 0,
  retryAfterMs: 1000,
  tpm: null,
  rpm: null,
  seed: 1,
  apiKey: null,
};

/** Validates `patch`; returns only the fields it sets. Throws a ZodError naming bad fields. */
export function parsePatch(patch: unknown): Partial<StandinConfig> {
  const parsed = StandinConfigPatch.parse(patch);
  return Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)) as Partial<StandinConfig>;
}

/** The defaults with `patch` applied. */
export function initialConfig(patch: StandinConfigPatch = {}): StandinConfig {
  return { ...DEFAULT_STANDIN_CONFIG, ...parsePatch(patch) };
}
