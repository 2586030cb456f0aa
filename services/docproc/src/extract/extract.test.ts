import { readFileSync } from 'node:fs';
import { SupportedTypes, type SupportedType } from '@docpipe/runtime';
import { describe, expect, it } from 'vitest';
import { buildPdf, random } from '../../test/fixtures/generate.js';
import { BAD_FIXTURES, GOOD_FIXTURES } from '../../test/fixtures/index.js';
import { DEFAULT_EXTRACT_LIMITS, ExtractionError, extractText, type ExtractLimits } from './index.js';

const read = (path: string): Buffer => readFileSync(path);

async function textOf(bytes: Buffer, contentType: SupportedType, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS): Promise<string> {
  const doc = await extractText({ bytes, contentType, limits });
  return doc.sections.map((s) => s.text).join('\n\n');
}

async function reasonOf(bytes: Buffer, contentType: SupportedType, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS): Promise<string> {
  const err = await extractText({ bytes, contentType, limits }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExtractionError);
  return (err as ExtractionError).reason;
}

describe('extractText — PDF', () => {
  it('returns one section per page with its 1-based page number', async () => {
    const f = GOOD_FIXTURES.pdf;
    const doc = await extractText({ bytes: read(f.path), contentType: SupportedTypes.pdf, limits: DEFAULT_EXTRACT_LIMITS });
    expect(doc.sections.map((s) => s.page)).toEqual([1, 2, 3]);
    f.phraseByPage.forEach((phrase, i) => expect(doc.sections[i]!.text).toContain(phrase));
    expect(doc.sections[0]!.text).toBe('Page one: the northern harbour.\nShips arrive in the morning.\n\nA second paragraph on page one.');
  });

  it.each(Object.entries(BAD_FIXTURES).filter(([name]) => name.endsWith('Pdf')))('refuses %s with a clear reason', async (_name, f) => {
    expect(await reasonOf(read(f.path), SupportedTypes.pdf)).toMatch(f.reason);
  });

  it('refuses random bytes that end like a PDF (pdf.js itself rejects them)', async () => {
    const noise = Buffer.from(Array.from({ length: 20_000 }, random(5)).map((x) => Math.floor(x * 256)));
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), noise, Buffer.from('\n%%EOF\n')]);
    expect(await reasonOf(bytes, SupportedTypes.pdf)).toMatch(/PDF|no extractable text/);
  });

  it('refuses a PDF without text', async () => {
    expect(await reasonOf(buildPdf([[[]]]), SupportedTypes.pdf)).toBe('document contains no extractable text');
  });

  it('stops a PDF that needs more time than allowed', async () => {
    const long = buildPdf(Array.from({ length: 400 }, (_, i) => [[`Page ${i} text`]]));
    expect(await reasonOf(long, SupportedTypes.pdf, { ...DEFAULT_EXTRACT_LIMITS, timeoutMs: 1 })).toMatch(/took longer than/);
  });

  it('stops a PDF that needs more memory than the worker may use, and recovers for the next one', async () => {
    const huge = buildPdf([[Array.from({ length: 400_000 }, (_, i) => `line ${i} with some words in it`)]]);
    expect(await reasonOf(huge, SupportedTypes.pdf, { ...DEFAULT_EXTRACT_LIMITS, maxHeapMb: 64 })).toBe('PDF needs more than 64 MiB of memory to extract');
    expect(await textOf(buildPdf([[['after the crash']]]), SupportedTypes.pdf)).toBe('after the crash');
  });

  it('extracts the next PDF after one was stopped at its deadline', async () => {
    await reasonOf(buildPdf(Array.from({ length: 50 }, () => [['slow']])), SupportedTypes.pdf, { ...DEFAULT_EXTRACT_LIMITS, timeoutMs: 1 });
    expect(await textOf(read(GOOD_FIXTURES.pdf.path), SupportedTypes.pdf)).toContain('the mountain station');
  });

  it('extracts PDFs handed in concurrently, each with its own pages', async () => {
    const docs = [1, 2, 3].map((n) => buildPdf(Array.from({ length: n }, (_, p) => [[`doc ${n} page ${p + 1}`]])));
    const results = await Promise.all(docs.map((bytes) => extractText({ bytes, contentType: SupportedTypes.pdf, limits: DEFAULT_EXTRACT_LIMITS })));
    expect(results.map((r) => r.sections.map((s) => s.text))).toEqual([['doc 1 page 1'], ['doc 2 page 1', 'doc 2 page 2'], ['doc 3 page 1', 'doc 3 page 2', 'doc 3 page 3']]);
  });

  it('rejects with the abort reason when aborted', async () => {
    const controller = new AbortController();
    const pending = extractText({ bytes: read(GOOD_FIXTURES.pdf.path), contentType: SupportedTypes.pdf, limits: DEFAULT_EXTRACT_LIMITS, signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
  });
});

describe('extractText — text formats', () => {
  const cases = [
    ['docx', SupportedTypes.docx],
    ['html', SupportedTypes.html],
    ['markdown', SupportedTypes.markdown],
    ['text', SupportedTypes.text],
  ] as const;

  it.each(cases)('%s: keeps the text and structure, drops the markup', async (name, type) => {
    const f = GOOD_FIXTURES[name];
    const text = await textOf(read(f.path), type);
    for (const phrase of f.phrases) expect(text).toContain(phrase);
    for (const junk of f.absent) expect(text).not.toContain(junk);
  });

  it('docx: sections are the body and the footnotes, without page numbers', async () => {
    const doc = await extractText({ bytes: read(GOOD_FIXTURES.docx.path), contentType: SupportedTypes.docx, limits: DEFAULT_EXTRACT_LIMITS });
    expect(doc.sections.map((s) => s.page)).toEqual([null, null]);
    expect(doc.sections[1]!.text).toBe('A footnote about tides.');
  });

  it('html: block elements become paragraphs', async () => {
    const text = await textOf(Buffer.from('<div>one</div><div>two<p>three</p></div>x<br>y'), SupportedTypes.html);
    expect(text).toBe('one\n\ntwo\n\nthree\n\nx\ny');
  });

  it('markdown: code blocks keep their text, headings lose their marks', async () => {
    const text = await textOf(Buffer.from('# Title\n\n```\nif (a < b) { return *p; }\n```\n\n1. one\n2. two\n'), SupportedTypes.markdown);
    expect(text).toBe('Title\n\nif (a < b) { return *p; }\n\none\n\ntwo');
  });

  it('text: invalid UTF-8 is refused', async () => {
    expect(await reasonOf(Buffer.from([0x61, 0xff, 0xfe, 0x62]), SupportedTypes.text)).toBe('text is not valid UTF-8');
  });

  it('text: control characters are dropped and whitespace normalised', async () => {
    expect(await textOf(Buffer.from('a\u0000b\u0007  c\t\td\n\n\n\ne  \n'), SupportedTypes.text)).toBe('ab c d\n\ne');
  });

  it('refuses an empty or whitespace-only document', async () => {
    expect(await reasonOf(read(BAD_FIXTURES.empty.path), SupportedTypes.text)).toMatch(BAD_FIXTURES.empty.reason);
    expect(await reasonOf(Buffer.from(' \n\t '), SupportedTypes.text)).toMatch(BAD_FIXTURES.empty.reason);
    expect(await reasonOf(Buffer.from('<html><head><title>x</title></head><body> </body></html>'), SupportedTypes.html)).toMatch(/no extractable text/);
  });
});
