import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sniffContentType, SupportedTypes } from './sniff.js';

const zipHeader = (name: string): Buffer => {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(Buffer.byteLength(name), 26);
  return Buffer.concat([header, Buffer.from(name, 'latin1')]);
};

describe('sniffContentType', () => {
  it('detects PDF by its magic, whatever the name says', () => {
    expect(sniffContentType(Buffer.from('%PDF-1.7\n...'), 'notes.txt')).toBe(SupportedTypes.pdf);
  });

  it('detects DOCX from its zip entries and rejects other zips', () => {
    expect(sniffContentType(zipHeader('[Content_Types].xml'), 'x.bin')).toBe(SupportedTypes.docx);
    expect(sniffContentType(zipHeader('word/document.xml'), 'x.bin')).toBe(SupportedTypes.docx);
    expect(sniffContentType(zipHeader('xl/workbook.xml'), 'x.docx')).toBeNull();
  });

  it('detects HTML from the markup, also behind a BOM and comments', () => {
    expect(sniffContentType(Buffer.from('\uFEFF<!-- hi -->\n<!DOCTYPE html><html>'), 'a.txt')).toBe(SupportedTypes.html);
    expect(sniffContentType(Buffer.from('  <html lang="en">'), 'a')).toBe(SupportedTypes.html);
  });

  it('tells Markdown from plain text by the name only', () => {
    expect(sniffContentType(Buffer.from('# Title\n\ntext'), 'README.md')).toBe(SupportedTypes.markdown);
    expect(sniffContentType(Buffer.from('# Title\n\ntext'), 'README')).toBe(SupportedTypes.text);
  });

  it('accepts UTF-8 text cut inside a multi-byte character', () => {
    const text = Buffer.from('naïve café 日本語');
    expect(sniffContentType(text.subarray(0, text.length - 1), 'a.txt')).toBe(SupportedTypes.text);
  });

  it('treats an empty file as text (docproc fails it as having no text)', () => {
    expect(sniffContentType(Buffer.alloc(0), 'empty.txt')).toBe(SupportedTypes.text);
  });

  it('rejects binary data', () => {
    expect(sniffContentType(randomBytes(4096), 'random.txt')).toBeNull();
    expect(sniffContentType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'image.png')).toBeNull();
    expect(sniffContentType(Buffer.from('text\u0000with nul'), 'a.txt')).toBeNull();
  });
});
