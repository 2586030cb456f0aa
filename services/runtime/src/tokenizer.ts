import { createRequire } from 'node:module';
import type * as Encoding from 'gpt-tokenizer/encoding/cl100k_base';

type Cl100k = typeof Encoding;

// The encoding's rank table costs ~40 MB of heap once loaded. Loaded on first
// use, so processes that never count tokens (gateway, ingest, the operator)
// never pay for it; the CommonJS build is what a synchronous load can require.
let encoding: Cl100k | undefined;
function cl100k(): Cl100k {
  encoding ??= createRequire(import.meta.url)('gpt-tokenizer/cjs/encoding/cl100k_base') as Cl100k;
  return encoding;
}

/** The encoding of text-embedding-3-* and ada-002: the project's one tokenizer. */
export const TOKENIZER_ENCODING = 'cl100k_base';

// gpt-tokenizer throws on special tokens such as `<|endoftext|>` by default.
// Documents may contain that string; like tiktoken's `disallowed_special=()`
// we encode it as the plain text it is.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Number of cl100k_base tokens in `text`; never throws on special-token text. */
export function countTokens(text: string): number {
  return cl100k().countTokens(text, PLAIN_TEXT);
}

/** cl100k_base tokens of `text`, special-token strings encoded as plain text. */
export function encodeTokens(text: string): number[] {
  return cl100k().encode(text, PLAIN_TEXT);
}

/** The text of `tokens`; a slice may end mid-character (then U+FFFD appears). */
export function decodeTokens(tokens: number[]): string {
  return cl100k().decode(tokens);
}
