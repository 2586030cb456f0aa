import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Parser } from 'htmlparser2';
import { decodeUtf8 } from './text.js';
import type { Section } from './types.js';

/** Elements whose content is never text a reader sees. */
const SKIPPED = new Set(['script', 'style', 'noscript', 'template', 'head', 'svg', 'math', 'iframe', 'object', 'canvas', 'select']);
/** Elements that start and end a paragraph. */
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'caption', 'dd', 'details', 'dialog', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav',
  'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody', 'tfoot', 'thead', 'tr', 'ul', 'body', 'html',
]);
const CELLS = new Set(['td', 'th']);
/** Parse this many characters between yields, so a large page never blocks the event loop for long. */
const SLICE_CHARS = 256 * 1024;

/**
 * Collects the visible text of an HTML document: drops script/style/head and
 * similar, turns block elements into paragraph breaks and <br> into line
 * breaks, decodes entities, collapses whitespace outside <pre>.
 */
class TextCollector {
  private readonly parts: string[] = [];
  private skipDepth = 0;
  private preDepth = 0;

  onopentag(name: string): void {
    if (SKIPPED.has(name)) this.skipDepth++;
    else if (name === 'pre') this.preDepth++;
    this.breakFor(name);
  }

  onclosetag(name: string): void {
    if (SKIPPED.has(name)) this.skipDepth = Math.max(0, this.skipDepth - 1);
    else if (name === 'pre') this.preDepth = Math.max(0, this.preDepth - 1);
    if (name !== 'br') this.breakFor(name); // <br> broke the line when it opened
  }

  ontext(text: string): void {
    if (this.skipDepth > 0) return;
    this.parts.push(this.preDepth > 0 ? text : text.replace(/\s+/g, ' '));
  }

  text(): string {
    return this.parts.join('');
  }

  private breakFor(name: string): void {
    if (this.skipDepth > 0) return;
    if (BLOCKS.has(name)) this.parts.push('\n\n');
    else if (name === 'br') this.parts.push('\n');
    else if (CELLS.has(name)) this.parts.push(' ');
  }
}

/** The visible text of an HTML fragment (also used for HTML inside Markdown). */
export function htmlToText(html: string): string {
  const collector = new TextCollector();
  const parser = new Parser(collector, { decodeEntities: true, lowerCaseTags: true });
  parser.end(html);
  return collector.text();
}

/** An HTML page's visible text, parsed in slices that yield to the event loop. */
export async function extractHtml(bytes: Buffer, signal?: AbortSignal): Promise<Section[]> {
  const html = decodeUtf8(bytes, 'HTML');
  const collector = new TextCollector();
  const parser = new Parser(collector, { decodeEntities: true, lowerCaseTags: true });
  for (let i = 0; i < html.length; i += SLICE_CHARS) {
    if (i > 0) await yieldToEventLoop();
    signal?.throwIfAborted();
    parser.write(html.slice(i, i + SLICE_CHARS));
  }
  parser.end();
  return [{ text: collector.text(), page: null }];
}
