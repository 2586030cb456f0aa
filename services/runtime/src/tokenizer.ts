import { countTokens as count, decode, encode } from 'gpt-tokenizer/encoding/cl100k_base';

/** The encoding of text-embedding-3-* and ada-002: the project's one tokenizer. */
export const TOKENIZER_ENCODING = 'cl100k_base';

// gpt-tokenizer throws on special tokens such as `<|endoftext|>` by default.
// Documents may contain that string; like tiktoken's `disallowed_special=()`
// we encode it as the plain text it is.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Number of cl100k_base tokens in `text`; never throws on special-token text. */
export function countTokens(text: string): number {
  return count(text, PLAIN_TEXT);
}

/** cl100k_base tokens of `text`, special-token strings encoded as plain text. */
export function encodeTokens(text: string): number[] {
  return encode(text, PLAIN_TEXT);
}

/** The text of `tokens`; a slice may end mid-character (then U+FFFD appears). */
export function decodeTokens(tokens: number[]): string {
  return decode(tokens);
}
