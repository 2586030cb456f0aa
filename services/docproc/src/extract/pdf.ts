import { ExtractionError } from './errors.js';
import { runPdfJob } from './pdf-pool.js';
import type { ExtractLimits, Section } from './types.js';

/** A complete PDF ends with `%%EOF`; readers accept it within the last 1 KiB. */
const EOF_WINDOW = 1024;

/**
 * The text of each page of a PDF (1-based page numbers). pdf.js runs in a
 * worker thread with a heap cap and a deadline, so the event loop never
 * blocks and a hostile file costs at most `limits`. Truncated, corrupt and
 * password-protected files are ExtractionErrors.
 */
export async function extractPdf(bytes: Buffer, limits: ExtractLimits, signal?: AbortSignal): Promise<Section[]> {
  if (!bytes.subarray(Math.max(0, bytes.length - EOF_WINDOW)).includes('%%EOF')) {
    throw new ExtractionError('PDF is truncated or corrupt');
  }
  const result = await runPdfJob({ bytes, limits, signal });
  if (!result.ok) throw fromPdfJs(result);
  return result.pages.map((text, i) => ({ text, page: i + 1 }));
}

function fromPdfJs(failure: { name: string; message: string }): ExtractionError {
  const cause = new Error(`${failure.name}: ${failure.message}`);
  if (failure.name === 'PasswordException') return new ExtractionError('PDF is encrypted (password protected)', { cause });
  if (failure.name === 'InvalidPDFException') return new ExtractionError('PDF is truncated or corrupt', { cause });
  return new ExtractionError(`PDF could not be read: ${failure.message}`, { cause });
}
