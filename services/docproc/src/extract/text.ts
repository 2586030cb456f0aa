import { ExtractionError } from './errors.js';
import type { Section } from './types.js';

/** UTF-8 text (a BOM is dropped); invalid UTF-8 is a permanent failure, never guessed at. */
export function extractPlainText(bytes: Buffer): Section[] {
  return [{ text: decodeUtf8(bytes, 'text'), page: null }];
}

/** Strict UTF-8 decoding; `what` names the document kind in the error. */
export function decodeUtf8(bytes: Buffer, what: string): string {
  try {
    // TextDecoder drops a leading BOM unless told otherwise.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw new ExtractionError(`${what} is not valid UTF-8`, { cause: err });
  }
}
