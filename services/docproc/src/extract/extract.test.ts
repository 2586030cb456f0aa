import { readFileSync } from 'node:fs';
import { SupportedTypes, type SupportedType } from '@docpipe/runtime';
import { describe, expect, it } from 'vitest';
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

// PDF: see pdf.test.ts (both extractors, worker split, hostile files).

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
