/** What the stand-in has served since it started (or since the last reset). */
export interface StandinStats {
  /** POST /v1/embeddings requests received. */
  requests: number;
  /** Answered 200 with embeddings. */
  succeeded: number;
  /** Answered 429 (injected or by an enforced budget). */
  status429: number;
  /** Of those, 429s caused by an enforced tpm/rpm budget. */
  throttled: number;
  /** Answered 500/503. */
  status5xx: number;
  /** Answered another 4xx (401, 400, 404 …). */
  status4xx: number;
  /** Requests the client marked as retries (the openai SDK's x-stainless-retry-count > 0). */
  retries: number;
  /** Inputs and tokens over all requests that passed validation. */
  totalInputs: number;
  totalTokens: number;
  /** Largest request seen (after validation), in inputs and in tokens. */
  maxInputs: number;
  maxTokens: number;
  /** Requests being served right now, and the most ever at once. */
  inFlight: number;
  maxInFlight: number;
}

/** A zeroed StandinStats. */
export function emptyStats(): StandinStats {
  return {
    requests: 0,
    succeeded: 0,
    status429: 0,
    throttled: 0,
    status5xx: 0,
    status4xx: 0,
    retries: 0,
    totalInputs: 0,
    totalTokens: 0,
    maxInputs: 0,
    maxTokens: 0,
    inFlight: 0,
    maxInFlight: 0,
  };
}

/** Counts an answered status into `stats`. */
export function countStatus(stats: StandinStats, status: number): void {
  if (status === 200) stats.succeeded++;
  else if (status === 429) stats.status429++;
  else if (status >= 500) stats.status5xx++;
  else if (status >= 400) stats.status4xx++;
}
