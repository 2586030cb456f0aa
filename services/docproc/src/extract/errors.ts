/**
 * A document that can never be extracted, whatever the retry: corrupt,
 * encrypted, too large once inflated, or without text. `reason` is written for
 * the person who uploaded it and ends up in the document's status.
 */
export class ExtractionError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'ExtractionError';
  }
}

/** The reason given when extraction found only whitespace. */
export const NO_TEXT_REASON = 'document contains no extractable text';
