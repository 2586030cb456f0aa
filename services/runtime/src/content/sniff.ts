/** The document types docproc can extract. */
export const SupportedTypes = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  html: 'text/html',
  markdown: 'text/markdown',
  text: 'text/plain',
} as const;

export type SupportedType = (typeof SupportedTypes)[keyof typeof SupportedTypes];

/** How many leading bytes `sniffContentType` wants to see. */
export const SNIFF_BYTES = 64 * 1024;

const HTML_START = /^\s*(?:<!--[\s\S]*?-->\s*|<\?xml[^>]*>\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b/i;
const MARKDOWN_NAME = /\.(?:md|markdown|mdown|mkd)$/i;

/**
 * Decides a document's type from its first bytes — never from the client's
 * Content-Type. The file name only tells Markdown from plain text, which the
 * bytes cannot. Returns null when the bytes are of no type docproc extracts.
 */
export function sniffContentType(head: Buffer, filename: string): SupportedType | null {
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return SupportedTypes.pdf;
  if (isZip(head)) return looksLikeDocx(head) ? SupportedTypes.docx : null;
  if (!isText(head)) return null;
  const start = head.subarray(0, 4096).toString('utf8').replace(/^\uFEFF/, '');
  if (HTML_START.test(start)) return SupportedTypes.html;
  return MARKDOWN_NAME.test(filename) ? SupportedTypes.markdown : SupportedTypes.text;
}

function isZip(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === 0x04034b50;
}

/** A DOCX names `word/` parts or its `[Content_Types].xml` in the first local headers. */
function looksLikeDocx(head: Buffer): boolean {
  const s = head.toString('latin1');
  return s.includes('word/') || (s.includes('[Content_Types].xml') && !s.includes('xl/') && !s.includes('ppt/'));
}

/**
 * UTF-8 without NUL bytes and with few control characters. A multi-byte
 * sequence cut at the end of `head` is allowed: `head` is only a prefix.
 */
function isText(head: Buffer): boolean {
  if (head.length === 0) return true;
  if (head.includes(0)) return false;
  const body = head.subarray(0, trimIncompleteUtf8(head));
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return false;
  }
  let control = 0;
  for (const byte of body) if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) control++;
  return control <= body.length / 100;
}

/** Length of `buf` without a trailing incomplete UTF-8 sequence. */
function trimIncompleteUtf8(buf: Buffer): number {
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const byte = buf[buf.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? buf.length - back : buf.length;
  }
  return buf.length;
}
