import type { SupportedType } from '@docpipe/runtime';

/** A run of text and the 1-based page it came from (null when the format has no pages). */
export interface Section {
  text: string;
  page: number | null;
}

/** What extraction yields: sections in reading order, never all empty. */
export interface ExtractedDocument {
  sections: Section[];
}

/** Bounds that keep hostile input from exhausting time or memory. */
export interface ExtractLimits {
  /** Total bytes a DOCX may inflate to (all parts read together). */
  maxInflatedBytes: number;
  /** ZIP entries a DOCX may list. */
  maxZipEntries: number;
  /** Largest inflated/compressed ratio tolerated for a part above 1 MiB. */
  maxCompressionRatio: number;
  /** Wall-clock budget of one PDF extraction. */
  timeoutMs: number;
  /** Heap cap of the PDF worker thread. */
  maxHeapMb: number;
  /** Which PDF extractor runs; unset means pdf.js (the service's PDF_EXTRACTOR defaults to `auto`). */
  pdfExtractor?: PdfExtractor;
  /** pdf.js worker threads a long PDF's pages are split across (default 1). */
  pdfWorkers?: number;
}

/** `pdfjs` (in-process, memory-safe), `pdftotext` (poppler subprocess), or `auto`. */
export type PdfExtractor = 'pdfjs' | 'pdftotext' | 'auto';

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxInflatedBytes: 50 * 1024 * 1024,
  maxZipEntries: 10_000,
  maxCompressionRatio: 200,
  timeoutMs: 60_000,
  maxHeapMb: 512,
};

export interface ExtractInput {
  bytes: Buffer;
  contentType: SupportedType;
  limits: ExtractLimits;
  signal?: AbortSignal;
}
