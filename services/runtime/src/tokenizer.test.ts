import { describe, expect, it } from 'vitest';
import { countTokens, decodeTokens, encodeTokens, TOKENIZER_ENCODING } from './tokenizer.js';

describe('tokenizer', () => {
  it('is cl100k_base', () => {
    expect(TOKENIZER_ENCODING).toBe('cl100k_base');
    // Reference ids from tiktoken's cl100k_base.
    expect(encodeTokens('hello world')).toEqual([15339, 1917]);
    expect(countTokens('hello world')).toBe(2);
  });

  it('round-trips text', () => {
    const text = 'Überprüfung — 日本語のテキスト, emoji 🎉 and code `x => x * 2`.';
    expect(decodeTokens(encodeTokens(text))).toBe(text);
    expect(countTokens(text)).toBe(encodeTokens(text).length);
  });

  it('treats special-token strings in documents as plain text', () => {
    const text = 'before <|endoftext|> after <|fim_prefix|>';
    expect(() => countTokens(text)).not.toThrow();
    const tokens = encodeTokens(text);
    expect(tokens).not.toContain(100257); // the real <|endoftext|> id
    expect(tokens.length).toBeGreaterThan(4);
    expect(countTokens(text)).toBe(tokens.length);
    expect(decodeTokens(tokens)).toBe(text);
  });

  it('counts the empty string as zero tokens', () => {
    expect(countTokens('')).toBe(0);
    expect(encodeTokens('')).toEqual([]);
  });
});
