import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createDeflateRaw, crc32 } from 'node:zlib';
import { zip } from '../../services/docproc/test/fixtures/generate.js';

const FIXTURES = new URL('../../services/docproc/test/fixtures/', import.meta.url);

/** One of docproc's committed fixtures. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

/** Deflates prefix + `repeat` × unit + suffix without ever holding the inflated whole. */
async function deflateRepeated(prefix: Buffer, unit: Buffer, repeat: number, suffix: Buffer): Promise<{ bytes: Buffer; size: number; crc: number }> {
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (b: Buffer) => out.push(b));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  let crc = crc32(prefix);
  deflate.write(prefix);
  for (let i = 0; i < repeat; i++) {
    crc = crc32(unit, crc);
    if (!deflate.write(unit)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  crc = crc32(suffix, crc);
  deflate.end(suffix);
  await done;
  return { bytes: Buffer.concat(out), size: prefix.length + unit.length * repeat + suffix.length, crc };
}

const CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ' +
  'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';

/**
 * A DOCX whose word/document.xml honestly declares and inflates to
 * `inflatedMiB` MiB of text from a few hundred KiB: a decompression bomb.
 */
export async function docxZipBomb(inflatedMiB = 100): Promise<Buffer> {
  const prefix = Buffer.from('<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>');
  const suffix = Buffer.from('</w:t></w:r></w:p></w:body></w:document>');
  const deflated = await deflateRepeated(prefix, Buffer.alloc(1024 * 1024, 'A'), inflatedMiB, suffix);
  return zip([
    { name: '[Content_Types].xml', data: Buffer.from(CONTENT_TYPES) },
    { name: 'word/document.xml', data: Buffer.alloc(0), deflated },
  ]);
}

/** Bytes of no supported type (binary for sure: it starts with a NUL). */
export function randomBinary(): Buffer {
  return Buffer.concat([Buffer.from([0x00, 0xff, 0xfe, 0x01]), randomBytes(4096)]);
}
