/** Error names AWS services use for throttling and passing server trouble: retry with backoff. */
const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'SlowDown',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'InternalServerErrorException',
  'InternalServerError',
  'InternalFailure',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** A failed AWS call, told transient (retry with backoff) from permanent (report, fix the spec or IAM). */
export class AwsCallError extends Error {
  readonly operation: string;
  readonly code: string;
  readonly transient: boolean;

  constructor(what: { operation: string; code: string; transient: boolean }, message: string, options?: ErrorOptions) {
    super(`${what.operation}: ${what.code}: ${message}`, options);
    this.name = 'AwsCallError';
    this.operation = what.operation;
    this.code = what.code;
    this.transient = what.transient;
  }
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** Classifies what an SDK call threw: throttling, 5xx and network failures are transient; the rest (AccessDenied, validation) permanent. */
export function classifyAwsError(operation: string, err: unknown): AwsCallError {
  if (err instanceof AwsCallError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const code = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  // No HTTP status at all: the request never got an answer (refused, reset, DNS) — the network's fault.
  const transient = TRANSIENT_NAMES.has(code) || status === undefined || status === 429 || status >= 500 || e.$retryable !== undefined;
  return new AwsCallError({ operation, code, transient }, e.message ?? String(err), { cause: err });
}

/** Runs an SDK call and rethrows its failure classified. */
export async function awsCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw classifyAwsError(operation, err);
  }
}

/** True for a permanent AWS failure (access denied, validation): a retry helps only once IAM or the spec is fixed. */
export function isPermanent(err: unknown): err is AwsCallError {
  return err instanceof AwsCallError && !err.transient;
}
