import { endLevel, isInk, isSpace, isUnspacedStop, Level, LEVELS_STRONGEST_FIRST, nextInk, startLevel } from './boundaries.js';
import { OVERSIZE_CHARS, pieceTokens, pretokenAt, startOf, type PretokenIndex } from './pretokens.js';

/** A possible chunk end and the exact token count of `text.slice(start, end)`. */
export interface Candidate {
  end: number;
  tokens: number;
}

interface Head {
  tokens: number;
  /** The pretoken where matching from the chunk start falls back in step with the index. */
  next: number;
}

/**
 * Tokens between a chunk start `s` and the first pretoken boundary that
 * matching from `s` lands on. A chunk usually starts inside a pretoken (the
 * index holds " word"; the chunk starts at "word"), so its first pretokens
 * differ from the document's until the two splits coincide again — after that
 * every pretoken is the indexed one and its count can be summed. Null when the
 * head is an oversize run that must be sliced.
 */
function measureHead(ix: PretokenIndex, s: number, sticky: RegExp): Head | null {
  let k = pretokenAt(ix, s);
  if (startOf(ix, k) === s) return { tokens: 0, next: k };
  let tokens = 0;
  let pos = s;
  for (;;) {
    sticky.lastIndex = pos;
    const m = sticky.exec(ix.text);
    if (m === null || m[0].length > OVERSIZE_CHARS) return null;
    tokens += pieceTokens(m[0]);
    pos = sticky.lastIndex;
    while (ix.ends[k]! < pos) k++;
    if (ix.ends[k] === pos) return { tokens, next: k + 1 };
  }
}

/**
 * Offers the chunk ends that pretoken k holds, given `before` tokens from the
 * chunk start to the pretoken: its end when that is ink; after its ink when it
 * ends in whitespace (".\n\n"); after a leading full stop that the split
 * glued to the next CJK run ("。東京"). An end inside a pretoken is priced by
 * counting the cut piece alone — nothing before the pretoken changes. False
 * once candidates no longer fit.
 */
function offerEndsIn(ix: PretokenIndex, k: number, before: number, sink: EndSink): boolean {
  const text = ix.text;
  const z = startOf(ix, k);
  const e = ix.ends[k]!;
  if (e - z > 1 && isUnspacedStop(text, z)) {
    if (!sink.offer({ end: z + 1, tokens: before + pieceTokens(text[z]!) })) return false;
  }
  if (isInk(text, e - 1)) return sink.offer({ end: e, tokens: before + (ix.cum[k + 1]! - ix.cum[k]!) });
  let b = e - 1;
  while (b > z && isSpace(text.charCodeAt(b - 1))) b--;
  if (b === z || b - z > OVERSIZE_CHARS) return true;
  return sink.offer({ end: b, tokens: before + pieceTokens(text.slice(z, b)) });
}

/** Keeps, per boundary level, the furthest end after `prevEnd` that fits in `max`. */
class EndSink {
  /** A stronger boundary also counts as every weaker one. */
  readonly best: (Candidate | undefined)[] = [undefined, undefined, undefined, undefined];
  constructor(
    private readonly text: string,
    private readonly prevEnd: number,
    private readonly max: number,
  ) {}

  /** Records `c` if it fits; false once candidates have grown past `max`. */
  offer(c: Candidate): boolean {
    if (c.tokens > this.max) return false;
    if (c.end <= this.prevEnd) return true;
    const level = endLevel(this.text, c.end);
    for (let l = 0; l <= level; l++) this.best[l] = c;
    return true;
  }
}

/**
 * Scans forward from chunk start `s` and returns, per boundary level, the
 * furthest end after `prevEnd` whose chunk holds at most `max` tokens (a
 * stronger boundary also counts as every weaker one). Null when the head
 * must be sliced.
 */
function furthestEnds(ix: PretokenIndex, s: number, limits: { prevEnd: number; max: number }, sticky: RegExp): (Candidate | undefined)[] | null {
  const head = measureHead(ix, s, sticky);
  if (head === null) return null;
  const { prevEnd, max } = limits;
  const sink = new EndSink(ix.text, prevEnd, max);
  const y = head.next === ix.size ? ix.text.length : startOf(ix, head.next);
  if (head.tokens > 0 && isInk(ix.text, y - 1)) sink.offer({ end: y, tokens: head.tokens });
  let run = head.tokens;
  for (let k = head.next; k < ix.size && run <= max; k++) {
    if (!offerEndsIn(ix, k, run, sink)) break;
    run += ix.cum[k + 1]! - ix.cum[k]!;
  }
  return sink.best;
}

/**
 * Picks where the chunk starting at `s` ends: the strongest boundary (paragraph,
 * then sentence, word, pretoken) that fills at least `minFill` tokens, else the
 * furthest that fits. Null when nothing after `prevEnd` fits (or the head is oversize).
 */
export function pickEnd(
  ix: PretokenIndex,
  s: number,
  limits: { prevEnd: number; max: number; minFill: number },
  sticky: RegExp,
): Candidate | null {
  const best = furthestEnds(ix, s, limits, sticky);
  if (best === null) return null;
  for (const level of LEVELS_STRONGEST_FIRST) {
    const c = best[level];
    if (c !== undefined && c.tokens >= limits.minFill) return c;
  }
  return best[Level.pretoken] ?? null;
}

/**
 * Where the next chunk starts so that it repeats about `overlap` tokens from
 * the end of the chunk [s, end): the earliest sentence start within budget if
 * it gives at least half the overlap, else the earliest word start, else any
 * pretoken start. Null when no start lies strictly inside the chunk.
 */
export function overlapStart(ix: PretokenIndex, s: number, end: number, overlap: number): number | null {
  if (overlap <= 0) return null;
  const text = ix.text;
  const kEnd = pretokenAt(ix, end - 1);
  const top = ix.cum[kEnd + 1]!;
  const found: number[] = [-1, -1, -1, -1];
  let sentenceTokens = 0;
  for (let k = kEnd; k >= 0; k--) {
    const approx = top - ix.cum[k]!;
    if (approx > overlap) break;
    const p = firstStartIn(ix, k);
    if (p <= s) break;
    if (p >= end || p >= ix.ends[k]!) continue;
    const level = startLevel(text, p);
    for (let l = 0; l <= level; l++) found[l] = p;
    if (level >= Level.sentence) sentenceTokens = approx;
  }
  return preferredStart(found, sentenceTokens * 2 >= overlap);
}

/** A sentence start if it gives enough overlap, else the earliest word start, else any start. */
function preferredStart(found: number[], sentenceIsEnough: boolean): number | null {
  if (found[Level.sentence]! >= 0 && sentenceIsEnough) return found[Level.sentence]!;
  if (found[Level.word]! >= 0) return found[Level.word]!;
  return found[Level.pretoken]! >= 0 ? found[Level.pretoken]! : null;
}

/** The first place a chunk could start in pretoken k: its first ink, or after a glued full stop ("。東京"). */
function firstStartIn(ix: PretokenIndex, k: number): number {
  const z = startOf(ix, k);
  if (ix.ends[k]! - z > 1 && isUnspacedStop(ix.text, z)) return z + 1;
  return nextInk(ix.text, z);
}
