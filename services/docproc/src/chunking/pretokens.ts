import { countTokens, TOKENIZER_ENCODING } from '@docpipe/runtime';
import { CL100K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/esm/encodingParams/constants';

/**
 * cl100k_base splits text with a regex into "pretokens" and byte-pair encodes
 * each one on its own, so the token count of a text is the sum over its
 * pretokens. Indexing a document's pretokens once (offsets + running token
 * counts) lets the chunker price any candidate chunk by subtraction instead of
 * re-tokenising growing strings — the reason it is several times faster than
 * a splitter that calls countTokens on every candidate.
 */
export interface PretokenIndex {
  text: string;
  /** Number of pretokens. */
  size: number;
  /** `ends[k]`: offset just past pretoken k; pretoken k starts at `ends[k-1]` (0 for k = 0). */
  ends: Int32Array;
  /** `cum[k]`: tokens in pretokens 0..k-1 (`size + 1` entries). */
  cum: Float64Array;
}

/**
 * Pretokens longer than this are never byte-pair encoded whole: gpt-tokenizer's
 * merge loop is quadratic in the pretoken's length, and a hostile document can
 * be one million-letter "word". Such pretokens are cut by the slicer instead.
 */
export const OVERSIZE_CHARS = 1024;
/** The price of an oversize pretoken: more than any chunk may hold, so it is always sliced. */
export const OVERSIZE_TOKENS = 1e9;

const SPLIT_SOURCE = CL100K_TOKEN_SPLIT_REGEX.source;
const CACHE_LIMIT = 200_000;
const cache = new Map<string, number>();

/** Tokens of one pretoken (memoised: prose reuses a few thousand words). */
export function pieceTokens(piece: string): number {
  if (piece.length === 1 && piece.charCodeAt(0) < 0x80) return 1; // every byte is a cl100k token
  let n = cache.get(piece);
  if (n === undefined) {
    n = countTokens(piece);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(piece, n);
  }
  return n;
}

/** A sticky copy of the split regex, for matching at one offset. */
export function stickySplitter(): RegExp {
  return new RegExp(SPLIT_SOURCE, 'uy');
}

/**
 * Indexes the pretokens of `text`. Returns null if the split does not tile the
 * text (a tokenizer this code does not know): callers then verify by counting.
 */
export function indexPretokens(text: string): PretokenIndex | null {
  const re = new RegExp(SPLIT_SOURCE, 'gu');
  let ends: Int32Array = new Int32Array(Math.max(16, text.length >> 2));
  let cum: Float64Array = new Float64Array(ends.length + 1);
  let size = 0;
  let total = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index !== (size === 0 ? 0 : ends[size - 1])) return null;
    const piece = m[0];
    total += piece.length > OVERSIZE_CHARS ? OVERSIZE_TOKENS : pieceTokens(piece);
    if (size === ends.length) [ends, cum] = grow(ends, cum);
    ends[size] = re.lastIndex;
    size += 1;
    cum[size] = total;
  }
  if ((size === 0 ? 0 : ends[size - 1]) !== text.length) return null;
  return { text, size, ends, cum };
}

function grow(ends: Int32Array, cum: Float64Array): [Int32Array, Float64Array] {
  const e = new Int32Array(ends.length * 2);
  e.set(ends);
  const c = new Float64Array(e.length + 1);
  c.set(cum);
  return [e, c];
}

/** Start offset of pretoken k. */
export function startOf(ix: PretokenIndex, k: number): number {
  return k === 0 ? 0 : ix.ends[k - 1]!;
}

/** Index of the pretoken containing offset `pos` (the first whose end is past it). */
export function pretokenAt(ix: PretokenIndex, pos: number): number {
  let lo = 0;
  let hi = ix.size - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ix.ends[mid]! > pos) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const PROBE =
  'Chunking «probe» — it\'s 2024: naïve café, 東京タワー。Emoji 👩‍💻 x=1.5e-3;\n\n  tabs\tand   runs of   spaces.\n' +
  "We'll see ...\n\n<|endoftext|> (ok) [1,234,567] don't.\r\n";

/**
 * True when the pretoken sums reproduce the project tokenizer on a probe that
 * exercises every branch of the split regex. Otherwise the chunker falls back
 * to verifying each chunk with countTokens.
 */
export function pretokenCountsAreExact(): boolean {
  if (TOKENIZER_ENCODING !== 'cl100k_base') return false;
  const ix = indexPretokens(PROBE);
  return ix !== null && ix.cum[ix.size] === countTokens(PROBE);
}
