/** HTTP statuses an embeddings API uses for a request it will never accept as sent. */
const PERMANENT_STATUSES = new Set([400, 413, 422]);

/**
 * True when an embeddings request failed because of what it carried (e.g. a
 * 400 for an input the model refuses), so sending it again cannot help.
 * Anything else — throttling, 5xx, a dropped connection — is transient.
 * Looks through `cause` chains, since adapters wrap the client's error.
 */
export function isPermanentEmbedError(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const e = current as { permanent?: unknown; retriable?: unknown; status?: unknown; statusCode?: unknown; cause?: unknown };
    if (e.permanent === true || e.retriable === false) return true;
    const status = typeof e.status === 'number' ? e.status : e.statusCode;
    if (typeof status === 'number' && PERMANENT_STATUSES.has(status)) return true;
    current = e.cause;
  }
  return false;
}

/** The message of an error and of its causes, for a dead letter a person will read. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ') || 'unknown error';
}
