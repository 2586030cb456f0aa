import { countTokens } from '@docpipe/runtime';
import { nextInk } from './chunking/boundaries.js';
import { normalizeWhitespace } from './whitespace.js';
import { indexPretokens, pretokenCountsAreExact, stickySplitter, type PretokenIndex } from './chunking/pretokens.js';
import { sliceRun } from './chunking/slice.js';
import { overlapStart, pickEnd, type Candidate } from './chunking/window.js';
import type { Section } from './extract/types.js';

/** One chunk: its text, the page it starts on, and its exact cl100k_base token count. */
export interface Chunk {
  text: string;
  page: number | null;
  tokenCount: number;
}

export interface ChunkOptions {
  /** Hard upper bound on every chunk's token count (default 512). */
  maxTokens: number;
  /** About this many tokens of a chunk's end start the next chunk (default 64). */
  overlapTokens: number;
}

export const DEFAULT_CHUNK_OPTIONS: ChunkOptions = { maxTokens: 512, overlapTokens: 64 };

/** The smallest chunk size accepted: below it a single character (≤ 4 tokens) could not be placed sensibly. */
export const MIN_CHUNK_TOKENS = 16;
export const MAX_CHUNK_TOKENS = 100_000;

/** A chunk ends at the strongest boundary that fills at least this share of maxTokens. */
const MIN_FILL = 0.5;

/** Throws a RangeError naming the bad option. */
export function validateChunkOptions(opts: ChunkOptions): void {
  const { maxTokens, overlapTokens } = opts;
  if (!Number.isInteger(maxTokens) || maxTokens < MIN_CHUNK_TOKENS || maxTokens > MAX_CHUNK_TOKENS) {
    throw new RangeError(`maxTokens must be an integer from ${MIN_CHUNK_TOKENS} to ${MAX_CHUNK_TOKENS}, got ${maxTokens}`);
  }
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens >= maxTokens) {
    throw new RangeError(`overlapTokens must be an integer from 0 to maxTokens - 1 (${maxTokens - 1}), got ${overlapTokens}`);
  }
}

/**
 * Splits sections into chunks of at most `maxTokens` tokens (checked exactly
 * with the project tokenizer), ending at paragraph, then sentence, then word
 * boundaries, and cutting inside a word only when one word alone is too long.
 * Each chunk after the first repeats about `overlapTokens` tokens of the end
 * of the previous one. Chunks flow across sections; a chunk's page is the page
 * its first character comes from. Whitespace is normalised; no chunk is empty.
 */
export function chunkText(sections: readonly Section[], opts: ChunkOptions = DEFAULT_CHUNK_OPTIONS): Chunk[] {
  const { text, spans } = chunkSpans(sections, opts);
  return spans.map((s) => ({ text: text.slice(s.start, s.end), page: s.page, tokenCount: s.tokens }));
}

/** Where one chunk lies in the normalised document text. */
export interface ChunkSpan {
  start: number;
  end: number;
  tokens: number;
  page: number | null;
}

/**
 * `chunkText` as offsets into the normalised, joined document text (for tests
 * and tools). `verify` forces the slow path that recounts every chunk, which
 * is otherwise used only when pretoken sums are not known to be exact.
 */
export function chunkSpans(
  sections: readonly Section[],
  opts: ChunkOptions,
  internal: { verify?: boolean } = {},
): { text: string; spans: ChunkSpan[] } {
  validateChunkOptions(opts);
  const doc = joinSections(sections);
  if (doc.text.length === 0) return { text: '', spans: [] };
  const ix = indexPretokens(doc.text);
  if (ix === null) throw new Error('tokenizer split does not tile the text'); // cannot happen with a regex tokenizer
  const state: ChunkState = { ix, opts, sticky: stickySplitter(), verify: internal.verify ?? !exact() };
  const spans: ChunkSpan[] = [];
  let start = 0;
  let prevEnd = 0;
  while (start < doc.text.length) {
    const c = nextChunk(state, start, prevEnd);
    spans.push({ start: c.start, end: c.end, tokens: c.tokens, page: doc.pageAt(c.start) });
    if (c.end >= doc.text.length) break;
    const overlap = c.sliced ? null : overlapStart(ix, c.start, c.end, opts.overlapTokens);
    start = overlap ?? nextInk(doc.text, c.end);
    prevEnd = c.end;
  }
  return { text: doc.text, spans };
}

interface ChunkState {
  ix: PretokenIndex;
  opts: ChunkOptions;
  sticky: RegExp;
  /** Count every chunk again (only when pretoken sums are not known to be exact). */
  verify: boolean;
}

interface Placed extends Candidate {
  start: number;
  sliced: boolean;
}

/** The chunk starting at `start` (an overlap start) — or, if nothing new fits after the overlap, right after `prevEnd`. */
function nextChunk(state: ChunkState, start: number, prevEnd: number): Placed {
  const withOverlap = place(state, start, prevEnd);
  if (withOverlap !== null || start >= prevEnd) return withOverlap ?? slice(state, start);
  const fresh = nextInk(state.ix.text, prevEnd);
  return place(state, fresh, prevEnd) ?? slice(state, fresh);
}

function place(state: ChunkState, start: number, prevEnd: number): Placed | null {
  let max = state.opts.maxTokens;
  for (;;) {
    const c = pickEnd(state.ix, start, { prevEnd, max, minFill: max * MIN_FILL }, state.sticky);
    if (c === null) return null;
    if (!state.verify) return { ...c, start, sliced: false };
    const tokens = countTokens(state.ix.text.slice(start, c.end));
    if (tokens <= state.opts.maxTokens) return { end: c.end, tokens, start, sliced: false };
    max -= Math.max(1, tokens - state.opts.maxTokens);
  }
}

function slice(state: ChunkState, start: number): Placed {
  return { ...sliceRun(state.ix.text, start, state.opts.maxTokens), start, sliced: true };
}

let exactCounts: boolean | undefined;
function exact(): boolean {
  exactCounts ??= pretokenCountsAreExact();
  return exactCounts;
}

interface JoinedDocument {
  text: string;
  pageAt(offset: number): number | null;
}

/** One text for the whole document (sections become paragraphs) and a map back to pages. */
function joinSections(sections: readonly Section[]): JoinedDocument {
  const parts: string[] = [];
  const starts: number[] = [];
  const pages: (number | null)[] = [];
  let offset = 0;
  for (const section of sections) {
    const text = normalizeWhitespace(section.text);
    if (text.length === 0) continue;
    if (parts.length > 0) offset += 2;
    starts.push(offset);
    pages.push(section.page);
    parts.push(text);
    offset += text.length;
  }
  return { text: parts.join('\n\n'), pageAt: (at) => pages[lastAtOrBefore(starts, at)] ?? null };
}

function lastAtOrBefore(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid]! <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
