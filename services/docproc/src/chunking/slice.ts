import { countTokens } from '@docpipe/runtime';
import { isSpace } from './boundaries.js';
import type { Candidate } from './window.js';

/**
 * How many characters per allowed token the slicer looks at. Bounds the
 * quadratic byte-pair merge of one run; a run that packs more characters into
 * a token (`-----`) merely yields a chunk smaller than it could be.
 */
const CHARS_PER_TOKEN_WINDOW = 4;

/**
 * Cuts the whitespace-free run starting at `s` when even one of its pretokens
 * is more than a chunk (a base64 blob, a 10 000-character CJK sentence): takes
 * a prefix, on a code-point boundary, that the tokenizer counts at most `max`
 * (close to the longest for the uniform runs that end up here). Always
 * advances by at least one code point.
 */
export function sliceRun(text: string, s: number, max: number): Candidate {
  const limit = Math.min(text.length, s + max * CHARS_PER_TOKEN_WINDOW);
  let r = s;
  while (r < limit && !isSpace(text.charCodeAt(r))) r++;
  const window = text.slice(s, r);
  const total = countTokens(window);
  // Tokens of a uniform run are spread evenly over its characters: start from
  // the proportional cut and shrink by the measured excess until it fits.
  let len = total <= max ? window.length : Math.floor((window.length * max) / total);
  for (;;) {
    len = atCodePoint(window, len);
    const n = countTokens(window.slice(0, len));
    if (n <= max) return { end: s + len, tokens: n };
    len = Math.min(len - 1, Math.floor((len * max) / n));
  }
}

/** `len` moved back off a split surrogate pair; at least one code point. */
function atCodePoint(s: string, len: number): number {
  let n = len;
  if (n > 0 && n < s.length && isHighSurrogate(s.charCodeAt(n - 1))) n--;
  if (n > 0) return n;
  return isHighSurrogate(s.charCodeAt(0)) && s.length > 1 ? 2 : 1;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
