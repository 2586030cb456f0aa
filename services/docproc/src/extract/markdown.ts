import { decodeHTML } from 'entities';
import { Lexer, type Token, type Tokens } from 'marked';
import { htmlToText } from './html.js';
import { decodeUtf8 } from './text.js';
import type { Section } from './types.js';

/**
 * Markdown as plain text: headings, paragraphs, list items, quotes, table
 * rows and code blocks each become a paragraph; emphasis, link and heading
 * markup disappear (a link keeps its text, an image its alt text); code keeps
 * its text verbatim; inline HTML keeps only its visible text.
 */
export function extractMarkdown(bytes: Buffer): Section[] {
  const source = decodeUtf8(bytes, 'Markdown');
  const tokens = new Lexer({ gfm: true }).lex(source);
  return [{ text: blocks(tokens).join('\n\n'), page: null }];
}

function blocks(tokens: readonly Token[]): string[] {
  return tokens.flatMap((t) => block(t as Tokens.Generic));
}

function block(t: Tokens.Generic): string[] {
  switch (t.type) {
    case 'heading':
    case 'paragraph':
      return [inline(t.tokens ?? [])];
    case 'text':
      return [t.tokens ? inline(t.tokens) : decodeHTML(String(t.text))];
    case 'code':
      return [String(t.text)];
    case 'blockquote':
      return blocks(t.tokens ?? []);
    case 'list':
      return (t as Tokens.List).items.flatMap((item) => blocks(item.tokens));
    case 'table':
      return table(t as Tokens.Table);
    case 'html':
      return [htmlToText(String(t.text))];
    default: // space, hr, def: no text
      return [];
  }
}

function table(t: Tokens.Table): string[] {
  const row = (cells: Tokens.TableCell[]): string => cells.map((c) => inline(c.tokens)).join('\t');
  return [[row(t.header), ...t.rows.map(row)].join('\n')];
}

function inline(tokens: readonly Token[]): string {
  return tokens.map((t) => span(t as Tokens.Generic)).join('');
}

/** Inline tokens whose text is their children's: the markup goes, the words stay. */
const WRAPPERS = new Set(['strong', 'em', 'del', 'link']);
/** Inline tokens whose `text` is the literal text to keep (an image keeps its alt text). */
const LITERALS = new Set(['image', 'codespan', 'escape']);

function span(t: Tokens.Generic): string {
  if (WRAPPERS.has(t.type)) return inline(t.tokens ?? []);
  if (LITERALS.has(t.type)) return decodeHTML(String(t.text));
  switch (t.type) {
    case 'text':
      return t.tokens ? inline(t.tokens) : decodeHTML(String(t.text));
    case 'br':
      return '\n';
    case 'html':
      return htmlToText(String(t.text));
    default: // checkbox and extensions
      return t.tokens ? inline(t.tokens) : '';
  }
}
