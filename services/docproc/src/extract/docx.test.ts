import { readFileSync } from 'node:fs';
import { crc32, createDeflateRaw } from 'node:zlib';
import { SupportedTypes } from '@docpipe/runtime';
import { describe, expect, it } from 'vitest';
import { docxPackage, para, wordDocument, zip, type ZipEntry } from '../../test/fixtures/generate.js';
import { GOOD_FIXTURES } from '../../test/fixtures/index.js';
import { DEFAULT_EXTRACT_LIMITS, ExtractionError, extractText, type ExtractLimits } from './index.js';

const MiB = 1024 * 1024;

async function reasonOf(bytes: Buffer, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS): Promise<string> {
  const err = await extractText({ bytes, contentType: SupportedTypes.docx, limits }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExtractionError);
  return (err as ExtractionError).reason;
}

/**
 * A document.xml of `size` bytes, mostly one repeated character inside a w:t,
 * deflated in a stream so the test never holds it whole: the shape of a bomb.
 */
async function bombPart(size: number, fill = ' '): Promise<NonNullable<ZipEntry['deflated']>> {
  const head = Buffer.from(wordDocument('<w:p><w:r><w:t xml:space="preserve">').replace('</w:body></w:document>', ''));
  const tail = Buffer.from('</w:t></w:r></w:p></w:body></w:document>');
  const block = Buffer.alloc(MiB, fill);
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (b: Buffer) => out.push(b));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  let crc = crc32(head);
  deflate.write(head);
  let left = size - head.length - tail.length;
  while (left > 0) {
    const piece = block.subarray(0, Math.min(left, block.length));
    crc = crc32(piece, crc);
    if (!deflate.write(piece)) await new Promise((resolve) => deflate.once('drain', resolve));
    left -= piece.length;
  }
  crc = crc32(tail, crc);
  deflate.end(tail);
  await done;
  return { bytes: Buffer.concat(out), size, crc };
}

function docxWithPart(part: NonNullable<ZipEntry['deflated']>, declaredSize?: number): Buffer {
  return zip([
    { name: '[Content_Types].xml', data: Buffer.from('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>') },
    { name: 'word/document.xml', data: Buffer.alloc(0), deflated: part, ...(declaredSize === undefined ? {} : { declaredSize }) },
  ]);
}

describe('extractText — DOCX zip-bomb defence', () => {
  it('refuses a part whose declared size is past the limit, before inflating it', async () => {
    const bomb = docxWithPart(await bombPart(64 * MiB));
    expect(bomb.length).toBeLessThan(200 * 1024);
    expect(await reasonOf(bomb)).toBe('DOCX inflates past the 50 MiB limit');
  });

  it('stops a part that lies about its size as soon as it inflates past the declared size', async () => {
    const bomb = docxWithPart(await bombPart(256 * MiB), 2000);
    expect(await reasonOf(bomb, { ...DEFAULT_EXTRACT_LIMITS, maxCompressionRatio: 1e9 })).toMatch(/^DOCX is corrupt: .*too many bytes/);
  });

  it('stops a lying part at the compression-ratio limit with the default limits', async () => {
    const bomb = docxWithPart(await bombPart(256 * MiB), 2000);
    expect(await reasonOf(bomb)).toMatch(/DOCX is corrupt|compressed more than 200:1/);
  });

  it('refuses a part compressed suspiciously well even within the size limit', async () => {
    const bomb = docxWithPart(await bombPart(8 * MiB));
    expect(await reasonOf(bomb)).toBe('DOCX part word/document.xml is compressed more than 200:1 — refused as a possible zip bomb');
  });

  it('counts the inflated bytes of all parts together against the limit', async () => {
    const part = (await bombPart(3 * MiB, 'x')).bytes;
    const body = await bombPart(3 * MiB, 'x');
    const footnotes = { ...body, bytes: part };
    const docx = zip([
      { name: 'word/document.xml', data: Buffer.alloc(0), deflated: body },
      { name: 'word/footnotes.xml', data: Buffer.alloc(0), deflated: footnotes },
    ]);
    const limits = { ...DEFAULT_EXTRACT_LIMITS, maxInflatedBytes: 5 * MiB, maxCompressionRatio: 1e9 };
    expect(await reasonOf(docx, limits)).toBe('DOCX inflates past the 5 MiB limit');
  });

  it('refuses an archive with too many entries', async () => {
    const entries = Array.from({ length: 20 }, (_, i) => ({ name: `word/media/${i}.bin`, data: Buffer.from('x') }));
    const docx = docxPackage(wordDocument(para('text')), entries);
    expect(await reasonOf(docx, { ...DEFAULT_EXTRACT_LIMITS, maxZipEntries: 10 })).toBe('DOCX has 24 ZIP entries, more than the limit of 10');
  });
});

describe('extractText — broken DOCX', () => {
  it('refuses a ZIP without word/document.xml', async () => {
    const notDocx = zip([{ name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') }]);
    expect(await reasonOf(notDocx)).toBe('not a DOCX document: word/document.xml is missing');
  });

  it('refuses a truncated archive', async () => {
    const bytes = readFileSync(GOOD_FIXTURES.docx.path);
    expect(await reasonOf(bytes.subarray(0, bytes.length - 40))).toBe('DOCX is not a valid ZIP archive');
  });

  it('refuses malformed XML', async () => {
    const docx = docxPackage('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>');
    expect(await reasonOf(docx)).toBe('DOCX is corrupt: word/document.xml is not well-formed XML');
  });

  it('does not expand DTD entities (billion laughs)', async () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
      '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>';
    expect(await reasonOf(docxPackage(laughs))).toBe('DOCX is corrupt: word/document.xml is not well-formed XML');
  });

  it('refuses a document without text', async () => {
    expect(await reasonOf(docxPackage(wordDocument('<w:p/>')))).toBe('document contains no extractable text');
  });
});
