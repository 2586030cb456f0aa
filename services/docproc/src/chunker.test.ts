import { countTokens } from '@docpipe/runtime';
import { describe, expect, it } from 'vitest';
import { chunkSpans, chunkText, type ChunkOptions } from './chunker.js';
import { isSpace } from './chunking/boundaries.js';
import { indexPretokens } from './chunking/pretokens.js';
import { random } from '../test/fixtures/generate.js'; // seeded (mulberry32): a failing case replays from its seed

const WORDS = (
  'the of and to in is was for on that with as by it at from his an were are which this be or has had not ' +
  'document pipeline embedding chunk token kafka partition consumer offset replica storage throughput latency ' +
  'naïve café résumé Zürich façade coöperate mañana jalapeño déjà über São Paulo 2024 3.14159 1,000,000 U.S.A. ' +
  "it's don't we'll they're I'm e.g. i.e. (see above) [1] {x} <tag> &amp; #hash @user http://example.com/a?b=c"
).split(' ');
const CJK = '東京は日本の首都であり世界最大の都市圏の一つです。人口は約千四百万人で経済文化政治の中心地となっている';
const EMOJI = ['👩‍💻', '🎉', '🇫🇷', '👍🏽', '❤️', '🧪', '😀'];
const SPACES = [' ', '  ', '\t', ' \t ', '\u00a0', '\u3000', '\n', '\r\n', '\n\n', '\n\n\n\n', '   \n  \n  '];

type Gen = (r: () => number) => string;
const pick = <T,>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const prose: Gen = (r) => {
  const paragraphs: string[] = [];
  for (let p = 0, np = 1 + Math.floor(r() * 12); p < np; p++) {
    const sentences: string[] = [];
    for (let s = 0, ns = 1 + Math.floor(r() * 10); s < ns; s++) {
      const words = Array.from({ length: 3 + Math.floor(r() * 25) }, () => pick(r, WORDS));
      sentences.push(words.join(' ').replace(/^./, (c) => c.toUpperCase()) + pick(r, ['.', '!', '?', '."', '…']));
    }
    paragraphs.push(sentences.join(' '));
  }
  return paragraphs.join(pick(r, ['\n\n', '\n \n', '\n\n\n']));
};
const cjk: Gen = (r) => Array.from({ length: 5 + Math.floor(r() * 40) }, () => CJK.slice(Math.floor(r() * 20))).join(pick(r, ['', '。', '\n\n', '、']));
const emoji: Gen = (r) => Array.from({ length: 50 + Math.floor(r() * 400) }, () => (r() < 0.6 ? pick(r, EMOJI) : pick(r, WORDS))).join(r() < 0.5 ? '' : ' ');
const whitespace: Gen = (r) => Array.from({ length: 100 + Math.floor(r() * 300) }, () => (r() < 0.5 ? pick(r, SPACES) : pick(r, WORDS))).join('');
const longWord: Gen = (r) => `${prose(r)} ${pick(r, ['a', 'xy', '東', '👍', '-', '9', 'Ab'])!.repeat(200 + Math.floor(r() * 3000))} ${prose(r)}`;
const codeUnits: Gen = (r) => Array.from({ length: 200 + Math.floor(r() * 1500) }, () => String.fromCharCode(Math.floor(r() * 0x3100))).join('');
const mixed: Gen = (r) => Array.from({ length: 6 }, () => pick(r, [prose, cjk, emoji, whitespace, longWord])(r)).join(pick(r, SPACES));

const GENERATORS: Record<string, Gen> = { prose, cjk, emoji, whitespace, longWord, codeUnits, mixed };

function randomOptions(r: () => number): ChunkOptions {
  const maxTokens = 16 + Math.floor(r() * 600);
  return { maxTokens, overlapTokens: Math.floor(r() * maxTokens * (r() < 0.3 ? 1 : 0.3)) };
}

/** Every invariant of chunkText, checked with the real tokenizer. */
function checkInvariants(sections: { text: string; page: number | null }[], opts: ChunkOptions, verify?: boolean): void {
  const { text, spans } = chunkSpans(sections, opts, verify === undefined ? {} : { verify });
  let covered = 0;
  let prevStart = -1;
  for (const span of spans) {
    const chunk = text.slice(span.start, span.end);
    expect(chunk.length).toBeGreaterThan(0);
    expect(chunk).toBe(chunk.trim());
    const real = countTokens(chunk);
    expect(real).toBe(span.tokens);
    expect(real).toBeLessThanOrEqual(opts.maxTokens);
    // Chunks advance, overlap only backwards into the previous one, and leave no gap of text.
    expect(span.start).toBeGreaterThan(prevStart);
    expect(text.slice(covered, span.start).trim()).toBe('');
    expect(span.end).toBeGreaterThan(covered);
    covered = span.end;
    prevStart = span.start;
  }
  expect(text.slice(covered).trim()).toBe('');
}

describe('chunkText — invariants over random text', () => {
  for (const [name, gen] of Object.entries(GENERATORS)) {
    it(`${name}: every chunk fits, is exact, non-empty, and the chunks cover the text`, () => {
      const r = random(name.length * 7919);
      for (let i = 0; i < 20; i++) {
        const sections = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, p) => ({ text: gen(r), page: p + 1 }));
        checkInvariants(sections, randomOptions(r));
      }
    });
  }

  it('the recounting fallback (for a tokenizer whose split is unknown) keeps every invariant', () => {
    const r = random(2024);
    for (let i = 0; i < 15; i++) checkInvariants([{ text: pick(r, Object.values(GENERATORS))(r), page: 1 }], randomOptions(r), true);
  });

  it('chunkText returns the same chunks with text and counts', () => {
    const sections = [{ text: prose(random(1)), page: null }];
    const chunks = chunkText(sections, { maxTokens: 64, overlapTokens: 8 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(countTokens(c.text)).toBe(c.tokenCount);
  });
});

describe('chunkText — boundaries', () => {
  const paragraph = (i: number): string =>
    Array.from({ length: 6 }, (_, s) => `Paragraph ${i} sentence ${s} talks about pipelines and their many stages.`).join(' ');

  it('ends chunks at paragraph breaks when paragraphs fit', () => {
    const text = Array.from({ length: 30 }, (_, i) => paragraph(i)).join('\n\n');
    const chunks = chunkText([{ text, page: null }], { maxTokens: 256, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(c.text).toMatch(/stages\.$/);
    for (const c of chunks.slice(0, -1)) expect(c.tokenCount).toBeGreaterThanOrEqual(128);
  });

  it('falls back to sentence breaks inside a paragraph that is too long', () => {
    const text = Array.from({ length: 80 }, (_, s) => `Sentence number ${s} is fairly ordinary prose.`).join(' ');
    const chunks = chunkText([{ text, page: null }], { maxTokens: 100, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) expect(c.text).toMatch(/^Sentence number \d+ .*prose\.$/);
  });

  it('falls back to word breaks inside a sentence that is too long', () => {
    const text = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const chunks = chunkText([{ text, page: null }], { maxTokens: 50, overlapTokens: 0 });
    expect(chunks.map((c) => c.text).join(' ')).toBe(text);
  });

  it('splits inside a word only when the word alone is too long, without losing a character', () => {
    const word = 'Z'.repeat(5000);
    const chunks = chunkText([{ text: `before ${word} after`, page: null }], { maxTokens: 32, overlapTokens: 4 });
    expect(chunks.map((c) => c.text).join('')).toContain(word);
    expect(chunks[0]!.text).toBe('before');
    expect(chunks.at(-1)!.text.endsWith('after')).toBe(true);
    for (const c of chunks) expect(countTokens(c.text)).toBeLessThanOrEqual(32);
  });

  it('never splits a surrogate pair', () => {
    const chunks = chunkText([{ text: '👍'.repeat(3000), page: null }], { maxTokens: 17, overlapTokens: 0 });
    for (const c of chunks) expect(c.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(chunks.map((c) => c.text).join('')).toBe('👍'.repeat(3000));
  });

  it('splits CJK text at its full stops', () => {
    const text = Array.from({ length: 60 }, (_, i) => `第${i}文は東京の話です`).join('。') + '。';
    const chunks = chunkText([{ text, page: null }], { maxTokens: 64, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(c.text).toMatch(/。$/);
  });
});

describe('chunkText — overlap', () => {
  it('starts each chunk with whole sentences from the end of the previous one', () => {
    const text = Array.from({ length: 120 }, (_, s) => `Fact ${s} is stated here in a short sentence.`).join(' ');
    const chunks = chunkText([{ text, page: null }], { maxTokens: 128, overlapTokens: 32 });
    for (let i = 1; i < chunks.length; i++) {
      const prev = chunks[i - 1]!.text;
      const cur = chunks[i]!.text;
      const shared = cur.slice(0, cur.indexOf('.', cur.indexOf('.') + 1) + 1); // at least the first sentence
      expect(prev.endsWith(longestSuffixPrefix(prev, cur))).toBe(true);
      const overlap = countTokens(longestSuffixPrefix(prev, cur));
      expect(overlap).toBeGreaterThanOrEqual(16);
      expect(overlap).toBeLessThanOrEqual(34);
      expect(shared).toMatch(/^Fact \d+/);
    }
  });

  it('has no overlap when overlapTokens is 0', () => {
    const text = Array.from({ length: 120 }, (_, s) => `Fact ${s} is stated here.`).join(' ');
    const chunks = chunkText([{ text, page: null }], { maxTokens: 64, overlapTokens: 0 });
    expect(chunks.map((c) => c.text).join(' ')).toBe(text);
  });
});

function longestSuffixPrefix(a: string, b: string): string {
  for (let n = Math.min(a.length, b.length); n > 0; n--) if (a.endsWith(b.slice(0, n))) return b.slice(0, n);
  return '';
}

describe('chunkText — pages and sections', () => {
  it('gives each chunk the page it starts on and flows across pages', () => {
    const sections = [1, 2, 3].map((page) => ({
      text: Array.from({ length: 40 }, (_, s) => `Page ${page} line ${s} says something.`).join(' '),
      page,
    }));
    const { text, spans } = chunkSpans(sections, { maxTokens: 100, overlapTokens: 20 });
    for (const span of spans) {
      const first = /^Page (\d)/.exec(text.slice(span.start).replace(/^.*?(?=Page \d)/s, ''));
      expect(span.page).toBe(Number(first![1]));
    }
    expect(new Set(spans.map((s) => s.page))).toEqual(new Set([1, 2, 3]));
  });

  it('returns no chunks for empty or whitespace-only input, and skips empty sections', () => {
    expect(chunkText([], { maxTokens: 512, overlapTokens: 64 })).toEqual([]);
    expect(chunkText([{ text: ' \n\t\n ', page: 1 }], { maxTokens: 512, overlapTokens: 64 })).toEqual([]);
    const chunks = chunkText([{ text: '  ', page: 1 }, { text: 'Hello  world.\r\n', page: 2 }], { maxTokens: 512, overlapTokens: 64 });
    expect(chunks).toEqual([{ text: 'Hello world.', page: 2, tokenCount: countTokens('Hello world.') }]);
  });

  it('counts special-token text as plain text', () => {
    const chunks = chunkText([{ text: 'a <|endoftext|> b', page: null }], { maxTokens: 512, overlapTokens: 0 });
    expect(chunks[0]!.tokenCount).toBe(countTokens('a <|endoftext|> b'));
  });
});

describe('chunkText — options', () => {
  it.each([
    [{ maxTokens: 15, overlapTokens: 0 }, /maxTokens must be an integer from 16/],
    [{ maxTokens: 512.5, overlapTokens: 0 }, /maxTokens/],
    [{ maxTokens: 512, overlapTokens: 512 }, /overlapTokens must be an integer from 0 to maxTokens - 1 \(511\), got 512/],
    [{ maxTokens: 512, overlapTokens: -1 }, /overlapTokens/],
  ])('rejects %j', (opts, message) => {
    expect(() => chunkText([{ text: 'x', page: null }], opts)).toThrow(message);
  });
});

describe('pretoken index', () => {
  it('sums to the tokenizer count on arbitrary strings', () => {
    const r = random(42);
    for (let i = 0; i < 300; i++) {
      const text = pick(r, Object.values(GENERATORS))(r);
      const ix = indexPretokens(text)!;
      expect(ix).not.toBeNull();
      if (!/[^\s]{1025}/.test(text)) expect(ix.cum[ix.size]).toBe(countTokens(text));
    }
  });

  it('treats exactly the characters of \\s as whitespace', () => {
    for (let code = 0; code <= 0xffff; code++) expect(isSpace(code)).toBe(/\s/.test(String.fromCharCode(code)));
  });
});
