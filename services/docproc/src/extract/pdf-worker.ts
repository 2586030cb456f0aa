// Runs inside a worker thread with a capped heap (see pdf-pool.ts): a hostile
// PDF can exhaust this thread's memory or time, never the service's. The thread
// stays warm between documents — pdf.js runs several times faster once the JIT
// has seen it. Node runs this file directly in tests (type stripping), so it
// imports nothing relative and uses only erasable TypeScript.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextContent } from 'pdfjs-dist/types/src/display/api.js';

/**
 * One share of a document: every worker of a job gets the same bytes and
 * extracts the `part`-th of `parts` contiguous page ranges.
 */
export interface PdfTask {
  data: SharedArrayBuffer;
  part: number;
  parts: number;
}

/** What the worker posts back: the text of its pages, or why it failed; and its heap in use afterwards. */
export type PdfWorkerResult = ({ ok: true; pages: string[] } | { ok: false; name: string; message: string }) & { heapUsed: number };

type Outcome = { ok: true; pages: string[] } | { ok: false; name: string; message: string };

/** A blank line between text lines further apart than this many line heights. */
const PARAGRAPH_GAP = 1.8;

/** Below this many pages per worker, splitting costs more (each worker parses the document) than it saves. */
const MIN_PAGES_PER_PART = 8;

// CJK text set in non-embedded fonts is decoded through Adobe's predefined
// CMaps; without them pdf.js fails those pages. Read from disk only when a
// document names one.
const CMAP_DIR = `${dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'))}/cmaps/`;

function pageText(content: TextContent): string {
  let text = '';
  let lastY: number | null = null;
  for (const item of content.items) {
    if (!('str' in item)) continue;
    const y = item.transform[5] as number;
    const gap = lastY === null ? 0 : lastY - y;
    if (text.endsWith('\n') && item.str.trim() !== '' && gap > PARAGRAPH_GAP * Math.max(item.height, 1)) text += '\n';
    text += item.str;
    if (item.hasEOL) text += '\n';
    if (item.str.trim() !== '') lastY = y;
  }
  // pdf.js's own Unicode normalisation is a third of its text-extraction time;
  // ligatures (ﬁ, ﬂ) are the one part of it that matters for search.
  return text.replace(LIGATURES, (c) => c.normalize('NFKC'));
}

const LIGATURES = /[\uFB00-\uFB06]/g;

/** The 1-based pages [first, last] of this part; empty (first > last) for a part a short document does not need. */
function pageRange(numPages: number, part: number, parts: number): [number, number] {
  const used = Math.max(1, Math.min(parts, Math.floor(numPages / MIN_PAGES_PER_PART)));
  if (part >= used) return [1, 0];
  return [Math.floor((part * numPages) / used) + 1, Math.floor(((part + 1) * numPages) / used)];
}

async function extract(task: PdfTask): Promise<Outcome> {
  // A private copy: pdf.js may hand its input to its own message port, which a shared buffer must not reach.
  const data = new Uint8Array(task.data.byteLength);
  data.set(new Uint8Array(task.data));
  const loading = getDocument({
    data,
    verbosity: 0,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: true,
    cMapUrl: CMAP_DIR,
    cMapPacked: true,
  });
  try {
    const doc = await loading.promise;
    const [first, last] = pageRange(doc.numPages, task.part, task.parts);
    const pages: string[] = [];
    for (let n = first; n <= last; n++) {
      const page = await doc.getPage(n);
      pages.push(pageText(await page.getTextContent({ disableNormalization: true })));
      page.cleanup();
    }
    return { ok: true, pages };
  } catch (err) {
    const e = err as Error;
    return { ok: false, name: e?.name ?? 'Error', message: e?.message ?? String(err) };
  } finally {
    await loading.destroy();
  }
}

parentPort?.on('message', (task: PdfTask) => {
  void extract(task).then((outcome) => parentPort?.postMessage({ ...outcome, heapUsed: getHeapStatistics().used_heap_size }));
});
