/**
 * Where a chunk may end or start, from weakest to strongest. The chunker
 * prefers the strongest kind of boundary that still fills a chunk well.
 */
export const Level = {
  /** Between two pretokens of one whitespace-free run (CJK, long URLs). */
  pretoken: 0,
  word: 1,
  sentence: 2,
  paragraph: 3,
} as const;
export type Level = (typeof Level)[keyof typeof Level];

export const LEVELS_STRONGEST_FIRST: readonly Level[] = [Level.paragraph, Level.sentence, Level.word, Level.pretoken];

const LF = 0x0a;
const SENTENCE_END = new Set(['.', '!', '?', '…', '‼', '⁇', '⁈', '⁉']);
const CLOSERS = new Set(['"', "'", ')', ']', '}', '»', '”', '’', '」', '』', '）']);

/** True when text[pos] is a full stop that needs no space after it (。！？). */
export function isUnspacedStop(text: string, pos: number): boolean {
  const c = text.charCodeAt(pos); // NaN past the end: every comparison is false
  if (c < 0x61f) return false; // the hot path: Latin text
  return c === 0x3002 || c === 0xff01 || c === 0xff1f || c === 0xff61 || c === 0x0964 || c === 0x061f || c === 0x06d4;
}

const WIDE_SPACES = new Set([0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff]);

/** Whitespace as the split regex's `\s` sees it. */
export function isSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (code >= 0x2000 && code <= 0x200a) || WIDE_SPACES.has(code);
}

/** True when `text[pos]` exists and is not whitespace. */
export function isInk(text: string, pos: number): boolean {
  return pos >= 0 && pos < text.length && !isSpace(text.charCodeAt(pos));
}

function endsSentence(text: string, b: number): boolean {
  const last = text[b - 1]!;
  if (SENTENCE_END.has(last)) return true;
  return CLOSERS.has(last) && b >= 2 && SENTENCE_END.has(text[b - 2]!);
}

/** The strength of a chunk end at `b` (text[b-1] is ink). */
export function endLevel(text: string, b: number): Level {
  if (b >= text.length || (text.charCodeAt(b) === LF && text.charCodeAt(b + 1) === LF)) return Level.paragraph;
  if (isUnspacedStop(text, b - 1)) return Level.sentence;
  if (!isSpace(text.charCodeAt(b))) return Level.pretoken;
  return endsSentence(text, b) ? Level.sentence : Level.word;
}

/** The strength of a chunk start at `p` (text[p] is ink). */
export function startLevel(text: string, p: number): Level {
  if (p === 0 || (text.charCodeAt(p - 1) === LF && text.charCodeAt(p - 2) === LF)) return Level.paragraph;
  if (!isSpace(text.charCodeAt(p - 1))) return isUnspacedStop(text, p - 1) ? Level.sentence : Level.pretoken;
  let q = p - 1;
  while (q > 0 && isSpace(text.charCodeAt(q - 1))) q--;
  return q > 0 && endLevel(text, q) >= Level.sentence ? Level.sentence : Level.word;
}

/** First ink offset at or after `pos`, or text.length. */
export function nextInk(text: string, pos: number): number {
  let p = pos;
  while (p < text.length && isSpace(text.charCodeAt(p))) p++;
  return p;
}
