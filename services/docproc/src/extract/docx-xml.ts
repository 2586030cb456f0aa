import { SaxesParser, type SaxesTagNS } from 'saxes';
import { ExtractionError } from './errors.js';

/** WordprocessingML, transitional and strict. */
const W_NAMESPACES = new Set([
  'http://schemas.openxmlformats.org/wordprocessingml/2006/main',
  'http://purl.oclc.org/ooxml/wordprocessingml/main',
]);

/** What an empty WordprocessingML element stands for in text. */
const EMPTY_ELEMENT_TEXT: Record<string, string> = { tab: '\t', br: '\n', cr: '\n', noBreakHyphen: '-' };

/**
 * Streams one WordprocessingML part (document.xml, footnotes.xml) into text:
 * `w:t` runs, `w:tab` → tab, `w:br`/`w:cr` → newline, end of `w:p` → blank
 * line. Deleted text (`w:delText`) and field codes (`w:instrText`) are not
 * `w:t` and are skipped. saxes expands no DTD entities, so an entity bomb is
 * just a parse error.
 */
export class WordXmlText {
  private readonly parser = new SaxesParser({ xmlns: true });
  private readonly parts: string[] = [];
  private inText = 0;

  constructor(private readonly partName: string) {
    this.parser.on('opentag', (tag) => this.open(tag));
    this.parser.on('closetag', (tag) => this.close(tag));
    this.parser.on('text', (text) => {
      if (this.inText > 0) this.parts.push(text);
    });
  }

  /** Feeds the next piece of XML; throws ExtractionError when it is not well-formed. */
  write(xml: string): void {
    try {
      this.parser.write(xml);
    } catch (err) {
      throw new ExtractionError(`DOCX is corrupt: ${this.partName} is not well-formed XML`, { cause: err });
    }
  }

  /** Ends the part and returns its text. */
  end(): string {
    try {
      this.parser.close();
    } catch (err) {
      throw new ExtractionError(`DOCX is corrupt: ${this.partName} is not well-formed XML`, { cause: err });
    }
    return this.parts.join('');
  }

  private open(tag: SaxesTagNS): void {
    if (!W_NAMESPACES.has(tag.uri)) return;
    if (tag.local === 't') this.inText++;
    const text = EMPTY_ELEMENT_TEXT[tag.local];
    if (text !== undefined) this.parts.push(text);
  }

  private close(tag: SaxesTagNS): void {
    if (!W_NAMESPACES.has(tag.uri)) return;
    if (tag.local === 't') this.inText = Math.max(0, this.inText - 1);
    else if (tag.local === 'p') this.parts.push('\n\n');
  }
}
