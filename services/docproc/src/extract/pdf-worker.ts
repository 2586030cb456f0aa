// Runs inside a worker thread with a capped heap (see pdf-pool.ts): a hostile
// PDF can exhaust this thread's memory or time, never the service's. The thread
// stays warm between documents — pdf.js runs several times faster once the JIT
// has seen it. Node runs this file directly in tests (type stripping), so it
// imports nothing relative and uses only erasable TypeScript.
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextContent } from 'pdfjs-dist/types/src/display/api.js';

/** What the worker posts back: every page's text, or why it failed; and its heap in use afterwards. */
export type PdfWorkerResult = ({ ok: true; pages: string[] } | { ok: false; name: string; message: string }) & { heapUsed: number };

type Outcome = { ok: true; pages: string[] } | { ok: false; name: string; message: string };

/** A blank line between text lines further apart than this many line heights. */
const PARAGRAPH_GAP = 1.8;

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

async function extract(data: Uint8Array): Promise<Outcome> {
  const task = getDocument({ data, verbosity: 0, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, stopAtErrors: true });
  try {
    const doc = await task.promise;
    const pages: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      pages.push(pageText(await page.getTextContent({ disableNormalization: true })));
      page.cleanup();
    }
    return { ok: true, pages };
  } catch (err) {
    const e = err as Error;
    return { ok: false, name: e?.name ?? 'Error', message: e?.message ?? String(err) };
  } finally {
    await task.destroy();
  }
}

parentPort?.on('message', (data: Uint8Array) => {
  void extract(data).then((outcome) => parentPort?.postMessage({ ...outcome, heapUsed: getHeapStatistics().used_heap_size }));
});
