import { readFileSync } from 'node:fs';
import { SupportedTypes } from '@docpipe/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLongPdf, buildPdf, random } from '../../test/fixtures/generate.js';
import { BAD_FIXTURES, GOOD_FIXTURES } from '../../test/fixtures/index.js';
import { closePdfWorkers, DEFAULT_EXTRACT_LIMITS, ExtractionError, extractText, type ExtractLimits } from './index.js';
import { classify, locatePdftotext } from './pdf-pdftotext.js';
import { resolvePdfExtractor } from './pdf.js';

const HAVE_PDFTOTEXT = (await locatePdftotext()) !== null;
// On a developer's machine without poppler the pdftotext cases are skipped (and
// reported as skipped); CI installs it, so there they must run.
if (!HAVE_PDFTOTEXT && process.env['CI']) throw new Error('pdftotext is not installed: CI must install poppler-utils (see .ci/run)');
const ENGINES = [
  { engine: 'pdfjs', skip: false },
  { engine: 'pdftotext', skip: !HAVE_PDFTOTEXT },
] as const;

const read = (path: string): Buffer => readFileSync(path);

afterAll(closePdfWorkers);

async function pagesOf(bytes: Buffer, limits: Partial<ExtractLimits>): Promise<string[]> {
  const doc = await extractText({ bytes, contentType: SupportedTypes.pdf, limits: { ...DEFAULT_EXTRACT_LIMITS, ...limits } });
  expect(doc.sections.map((s) => s.page)).toEqual(doc.sections.map((_, i) => i + 1));
  return doc.sections.map((s) => s.text);
}

async function reasonOf(bytes: Buffer, limits: Partial<ExtractLimits>): Promise<string> {
  const err = await extractText({ bytes, contentType: SupportedTypes.pdf, limits: { ...DEFAULT_EXTRACT_LIMITS, ...limits } }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExtractionError);
  return (err as ExtractionError).reason;
}

/** A PDF from raw object bodies (numbered from 1; object 1 is the catalog). */
function rawPdf(objects: string[]): Buffer {
  let out = '%PDF-1.7\n';
  const offsets = objects.map((body, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  return Buffer.from(`${out}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`, 'latin1');
}

/** "東京" set in a non-embedded Japanese font through Adobe's predefined UniJIS-UCS2-H CMap. */
function cjkPdf(): Buffer {
  const content = 'BT /F1 12 Tf 72 700 Td <67714EAC> Tj ET';
  return rawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [4 0 R] /Count 1 >>',
    '<< /Type /Font /Subtype /Type0 /BaseFont /KozMinPr6N-Regular /Encoding /UniJIS-UCS2-H /DescendantFonts [6 0 R] >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /KozMinPr6N-Regular /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >> /FontDescriptor 7 0 R >>',
    '<< /Type /FontDescriptor /FontName /KozMinPr6N-Regular /Flags 4 /FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>',
  ]);
}

const numbered = (n: number): Buffer => buildPdf(Array.from({ length: n }, (_, i) => [[`marker of page ${i + 1}`]]));
const expectedNumbered = (n: number): string[] => Array.from({ length: n }, (_, i) => `marker of page ${i + 1}`);

describe.each(ENGINES)('extractPdf with $engine', ({ engine, skip }) => {
  const limits = { pdfExtractor: engine } as const;

  it.skipIf(skip)('returns one section per page with its 1-based page number', async () => {
    const pages = await pagesOf(read(GOOD_FIXTURES.pdf.path), limits);
    expect(pages).toHaveLength(3);
    GOOD_FIXTURES.pdf.phraseByPage.forEach((phrase, i) => expect(pages[i]).toContain(phrase));
  });

  it.skipIf(skip)('keeps every page of a long document in order', async () => {
    expect(await pagesOf(numbered(30), limits)).toEqual(expectedNumbered(30));
  });

  it.skipIf(skip)('decodes CJK text set through a predefined CMap', async () => {
    expect(await pagesOf(cjkPdf(), limits)).toEqual(['東京']);
  });

  it.skipIf(skip).each(Object.entries(BAD_FIXTURES).filter(([name]) => name.endsWith('Pdf')))('refuses %s with a clear reason', async (_name, f) => {
    expect(await reasonOf(read(f.path), limits)).toMatch(f.reason);
  });

  it.skipIf(skip)('refuses random bytes that end like a PDF', async () => {
    const noise = Buffer.from(Array.from({ length: 20_000 }, random(5)).map((x) => Math.floor(x * 256)));
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), noise, Buffer.from('\n%%EOF\n')]);
    expect(await reasonOf(bytes, limits)).toMatch(/PDF|no extractable text/);
  });

  it.skipIf(skip)('refuses a PDF without text', async () => {
    expect(await reasonOf(buildPdf([[[]]]), limits)).toBe('document contains no extractable text');
  });

  it.skipIf(skip)('stops a PDF at its deadline, then extracts the next one', async () => {
    expect(await reasonOf(buildLongPdf(100), { ...limits, timeoutMs: 1 })).toMatch(/took longer than/);
    expect(await pagesOf(read(GOOD_FIXTURES.pdf.path), limits)).toHaveLength(3);
  });

  it.skipIf(skip)('extracts PDFs handed in concurrently, each with its own pages', async () => {
    const docs = [1, 2, 3].map((n) => buildPdf(Array.from({ length: n }, (_, p) => [[`doc ${n} page ${p + 1}`]])));
    const results = await Promise.all(docs.map((bytes) => pagesOf(bytes, limits)));
    expect(results).toEqual([['doc 1 page 1'], ['doc 2 page 1', 'doc 2 page 2'], ['doc 3 page 1', 'doc 3 page 2', 'doc 3 page 3']]);
  });

  it.skipIf(skip)('rejects with the abort reason when aborted', async () => {
    const controller = new AbortController();
    const pending = extractText({
      bytes: buildLongPdf(50),
      contentType: SupportedTypes.pdf,
      limits: { ...DEFAULT_EXTRACT_LIMITS, ...limits },
      signal: controller.signal,
    });
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
  });
});

describe('extractPdf with pdf.js', () => {
  it('separates paragraphs with a blank line', async () => {
    const [first] = await pagesOf(read(GOOD_FIXTURES.pdf.path), { pdfExtractor: 'pdfjs' });
    expect(first).toBe('Page one: the northern harbour.\nShips arrive in the morning.\n\nA second paragraph on page one.');
  });

  it.each([2, 3])('splits a long PDF across %i workers and merges the pages in order', async (workers) => {
    expect(await pagesOf(numbered(50), { pdfExtractor: 'pdfjs', pdfWorkers: workers })).toEqual(expectedNumbered(50));
    expect(await pagesOf(numbered(5), { pdfExtractor: 'pdfjs', pdfWorkers: workers })).toEqual(expectedNumbered(5));
  });

  it('fails the whole document when split, and recovers for the next one', async () => {
    expect(await reasonOf(read(BAD_FIXTURES.encryptedPdf.path), { pdfExtractor: 'pdfjs', pdfWorkers: 2 })).toMatch(/encrypted/);
    expect(await reasonOf(buildLongPdf(100), { pdfExtractor: 'pdfjs', pdfWorkers: 2, timeoutMs: 1 })).toMatch(/took longer than/);
    expect(await pagesOf(numbered(20), { pdfExtractor: 'pdfjs', pdfWorkers: 2 })).toEqual(expectedNumbered(20));
  });

  it('stops a PDF that needs more memory than a worker may use, and recovers for the next one', async () => {
    const huge = buildPdf([[Array.from({ length: 400_000 }, (_, i) => `line ${i} with some words in it`)]]);
    expect(await reasonOf(huge, { pdfExtractor: 'pdfjs', maxHeapMb: 64 })).toBe('PDF needs more than 64 MiB of memory to extract');
    expect(await pagesOf(buildPdf([[['after the crash']]]), { pdfExtractor: 'pdfjs' })).toEqual(['after the crash']);
  });
});

describe.skipIf(!HAVE_PDFTOTEXT)('extractPdf with pdftotext', () => {
  it('is what auto chooses when pdftotext is installed', async () => {
    expect(await resolvePdfExtractor('auto')).toBe('pdftotext');
    expect(await resolvePdfExtractor('pdfjs')).toBe('pdfjs');
    expect(await resolvePdfExtractor()).toBe('pdfjs');
  });

  it('stops a PDF that needs more memory than allowed, and recovers for the next one', async () => {
    const huge = buildPdf([[Array.from({ length: 400_000 }, (_, i) => `line ${i} with some words in it`)]]);
    expect(await reasonOf(huge, { pdfExtractor: 'pdftotext', maxHeapMb: 32 })).toBe('PDF needs more than 32 MiB of memory to extract');
    expect(await pagesOf(buildPdf([[['after the crash']]]), { pdfExtractor: 'pdftotext' })).toEqual(['after the crash']);
  });

  it('refuses a damaged PDF that poppler would half-recover (exit 0, a page missing)', async () => {
    const pdf = read(GOOD_FIXTURES.pdf.path);
    const at = pdf.indexOf('5 0 obj');
    const damaged = Buffer.concat([pdf.subarray(0, at), Buffer.from('5 0 qqq'), pdf.subarray(at + 7)]);
    expect(await reasonOf(damaged, { pdfExtractor: 'pdftotext' })).toBe('PDF is truncated or corrupt');
  });
});

describe('classify (pdftotext outcomes)', () => {
  const run = (code: number | null, stderr: string, signal: NodeJS.Signals | null = null) => classify({ code, signal, stderr }, 512)?.reason ?? null;

  it('tells each failure apart', () => {
    expect(run(0, '')).toBeNull();
    expect(run(0, 'Syntax Warning: Invalid least number of objects reading page offset hints table')).toBeNull();
    expect(run(0, 'Internal Error: xref num 5 not found but needed, try to reconstruct')).toBe('PDF is truncated or corrupt');
    expect(run(1, "Syntax Error: Couldn't read xref table")).toBe('PDF is truncated or corrupt');
    expect(run(1, 'Command Line Error: Incorrect password')).toBe('PDF is encrypted (password protected)');
    expect(run(null, "terminate called after throwing an instance of 'std::bad_alloc'", 'SIGABRT')).toBe('PDF needs more than 512 MiB of memory to extract');
    expect(run(null, '', 'SIGSEGV')).toBe('PDF could not be read: pdftotext stopped by SIGSEGV');
    expect(run(3, 'I/O Error: something odd')).toBe('PDF could not be read: I/O Error: something odd');
  });
});
