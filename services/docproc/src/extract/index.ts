import { SupportedTypes } from '@docpipe/runtime';
import { normalizeWhitespace, stripControls } from '../whitespace.js';
import { extractDocx } from './docx.js';
import { ExtractionError, NO_TEXT_REASON } from './errors.js';
import { extractHtml } from './html.js';
import { extractMarkdown } from './markdown.js';
import { extractPdf } from './pdf.js';
import { extractPlainText } from './text.js';
import type { ExtractedDocument, ExtractInput, Section } from './types.js';

export { ExtractionError, NO_TEXT_REASON } from './errors.js';
export { closePdfWorkers } from './pdf-pool.js';
export { DEFAULT_EXTRACT_LIMITS, type ExtractedDocument, type ExtractInput, type ExtractLimits, type Section } from './types.js';

/**
 * The text of a document whose type was sniffed from its bytes. Sections are
 * whitespace-normalised (paragraphs separated by one blank line) and never
 * empty; a document without text is an ExtractionError, like a corrupt one.
 * Rejects with the signal's reason when aborted.
 */
export async function extractText(input: ExtractInput): Promise<ExtractedDocument> {
  input.signal?.throwIfAborted();
  const raw = await extractSections(input);
  const sections = raw
    .map((s) => ({ text: normalizeWhitespace(stripControls(s.text)), page: s.page }))
    .filter((s) => s.text.length > 0);
  if (sections.length === 0) throw new ExtractionError(NO_TEXT_REASON);
  return { sections };
}

function extractSections({ bytes, contentType, limits, signal }: ExtractInput): Promise<Section[]> | Section[] {
  switch (contentType) {
    case SupportedTypes.pdf:
      return extractPdf(bytes, limits, signal);
    case SupportedTypes.docx:
      return extractDocx(bytes, limits, signal);
    case SupportedTypes.html:
      return extractHtml(bytes, signal);
    case SupportedTypes.markdown:
      return extractMarkdown(bytes);
    case SupportedTypes.text:
      return extractPlainText(bytes);
    default:
      throw new ExtractionError(`unsupported document type ${String(contentType)}`);
  }
}
