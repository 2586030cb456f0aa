import { describe, expect, it } from 'vitest';
import { displayName, FALLBACK_NAME, MAX_KEY_NAME_BYTES, safeObjectName } from './filename.js';

const SAFE = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

describe('safeObjectName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['My Report (final).pdf', 'My_Report__final_.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['a/b.pdf', 'b.pdf'],
    ['..\\x.pdf', 'x.pdf'],
    ['C:\\Users\\me\\cv.docx', 'cv.docx'],
    ['evil\u0000.pdf', 'evil.pdf'],
    ['\r\n.txt', 'txt'],
    ['...hidden', 'hidden'],
    ['a..b....c', 'a.b.c'],
    ['résumé.md', 'r_sum_.md'],
    ['😀.txt', '_.txt'],
    ['', FALLBACK_NAME],
    ['..', FALLBACK_NAME],
    ['../', FALLBACK_NAME],
    ['\u0000\u0001', FALLBACK_NAME],
  ])('%j → %j', (input, expected) => {
    expect(safeObjectName(input)).toBe(expected);
  });

  it('never yields a path segment, a dot-dot, or control characters', () => {
    const hostile = ['../../etc/passwd', 'a/b.pdf', '..\\x.pdf', 'evil\u0000.pdf', '\r\n.txt', '/..//..', '.\u0000.', '%2e%2e%2f'];
    for (const name of hostile) {
      const safe = safeObjectName(name);
      expect(safe).toMatch(SAFE);
      expect(safe).not.toContain('..');
    }
  });

  it('caps at 200 bytes and keeps a short extension', () => {
    const safe = safeObjectName(`${'x'.repeat(500)}.pdf`);
    expect(Buffer.byteLength(safe)).toBe(MAX_KEY_NAME_BYTES);
    expect(safe.endsWith('.pdf')).toBe(true);
    expect(Buffer.byteLength(safeObjectName('y'.repeat(300)))).toBe(MAX_KEY_NAME_BYTES);
  });
});

describe('displayName', () => {
  it('keeps the name as given, minus control characters', () => {
    expect(displayName('../My Report (final).pdf')).toBe('../My Report (final).pdf');
    expect(displayName('evil\u0000.pdf')).toBe('evil.pdf');
  });

  it('cuts at 255 characters without splitting a surrogate pair', () => {
    expect(displayName('a'.repeat(300))).toHaveLength(255);
    const cut = displayName(`${'a'.repeat(254)}😀`);
    expect(cut).toBe('a'.repeat(254));
  });

  it('falls back when nothing is left', () => {
    expect(displayName(' \u0000 ')).toBe(FALLBACK_NAME);
  });
});
