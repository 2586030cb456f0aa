import { ExtractionError } from './errors.js';
import { extractWithPdftotext, locatePdftotext } from './pdf-pdftotext.js';
import { runPdfJob } from './pdf-pool.js';
import type { ExtractLimits, PdfExtractor, Section } from './types.js';

/** A complete PDF ends with `%%EOF`; readers accept it within the last 1 KiB. */
const EOF_WINDOW = 1024;

/** Used when the limits name no extractor: the one that needs nothing installed. */
export const DEFAULT_PDF_EXTRACTOR: PdfExtractor = 'pdfjs';

/**
 * The text of each page of a PDF (1-based page numbers), by pdf.js in capped
 * worker threads or by poppler's pdftotext in a capped subprocess (see
 * `limits.pdfExtractor`). Either way the event loop never blocks and a
 * hostile file costs at most `limits`; truncated, corrupt and
 * password-protected files are ExtractionErrors with the same reasons.
 */
export async function extractPdf(bytes: Buffer, limits: ExtractLimits, signal?: AbortSignal): Promise<Section[]> {
  if (!bytes.subarray(Math.max(0, bytes.length - EOF_WINDOW)).includes('%%EOF')) {
    throw new ExtractionError('PDF is truncated or corrupt');
  }
  const pages = await extractPages(bytes, limits, signal);
  return pages.map((text, i) => ({ text, page: i + 1 }));
}

async function extractPages(bytes: Buffer, limits: ExtractLimits, signal?: AbortSignal): Promise<string[]> {
  const { timeoutMs, maxHeapMb } = limits;
  const pdftotext = await chosenPdftotext(limits.pdfExtractor ?? DEFAULT_PDF_EXTRACTOR);
  if (pdftotext !== null) return extractWithPdftotext(pdftotext, { bytes, timeoutMs, maxMemoryMb: maxHeapMb, signal });
  const result = await runPdfJob({ bytes, timeoutMs, maxHeapMb, workers: limits.pdfWorkers ?? 1, signal });
  if (!result.ok) throw fromPdfJs(result);
  return result.pages;
}

/** The pdftotext binary to use, or null for pdf.js. */
async function chosenPdftotext(choice: PdfExtractor): Promise<string | null> {
  if (choice === 'pdfjs') return null;
  const binary = await locatePdftotext();
  if (binary === null && choice === 'pdftotext') {
    // A deployment problem, not the document's: thrown as a plain Error so the message is retried, not dead-lettered.
    throw new Error('PDF_EXTRACTOR=pdftotext but pdftotext is not on PATH (install poppler-utils)');
  }
  return binary;
}

/** Which extractor `choice` means on this machine. */
export async function resolvePdfExtractor(choice: PdfExtractor = DEFAULT_PDF_EXTRACTOR): Promise<'pdfjs' | 'pdftotext'> {
  return (await chosenPdftotext(choice)) === null ? 'pdfjs' : 'pdftotext';
}

function fromPdfJs(failure: { name: string; message: string }): ExtractionError {
  const cause = new Error(`${failure.name}: ${failure.message}`);
  if (failure.name === 'PasswordException') return new ExtractionError('PDF is encrypted (password protected)', { cause });
  if (failure.name === 'InvalidPDFException') return new ExtractionError('PDF is truncated or corrupt', { cause });
  return new ExtractionError(`PDF could not be read: ${failure.message}`, { cause });
}
