import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { formatBytes } from '../format.js';
import { WordXmlText } from './docx-xml.js';
import { ExtractionError } from './errors.js';
import type { ExtractLimits, Section } from './types.js';

const BODY = 'word/document.xml';
/** The parts read, in the order their text is kept. */
const TEXT_PARTS = [BODY, 'word/footnotes.xml', 'word/endnotes.xml'];
/** Below this many inflated bytes a part's compression ratio is not judged: small XML compresses well. */
const RATIO_FLOOR_BYTES = 1024 * 1024;

/**
 * The text of a DOCX: the body, then footnotes and endnotes. The ZIP is read
 * with hard bounds — entry count, each part's declared size, the bytes
 * actually inflated, the compression ratio — and inflation stops the moment a
 * bound is crossed, so a zip bomb costs at most the limit.
 */
export async function extractDocx(bytes: Buffer, limits: ExtractLimits, signal?: AbortSignal): Promise<Section[]> {
  const zip = await openZip(bytes);
  try {
    if (zip.entryCount > limits.maxZipEntries) {
      throw new ExtractionError(`DOCX has ${zip.entryCount} ZIP entries, more than the limit of ${limits.maxZipEntries}`);
    }
    const texts = await readTextParts(zip, new InflateBudget(limits), signal);
    if (!texts.has(BODY)) throw new ExtractionError(`not a DOCX document: ${BODY} is missing`);
    return TEXT_PARTS.flatMap((name) => (texts.has(name) ? [{ text: texts.get(name)!, page: null }] : []));
  } catch (err) {
    throw signal?.aborted ? err : asExtractionError(err);
  } finally {
    zip.close();
  }
}

async function openZip(bytes: Buffer): Promise<ZipFile> {
  try {
    return await yauzl.fromBufferPromise(bytes, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false });
  } catch (err) {
    throw new ExtractionError('DOCX is not a valid ZIP archive', { cause: err });
  }
}

function asExtractionError(err: unknown): unknown {
  if (err instanceof ExtractionError) return err;
  return new ExtractionError(`DOCX is corrupt: ${(err as Error).message}`, { cause: err });
}

async function readTextParts(zip: ZipFile, budget: InflateBudget, signal?: AbortSignal): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for await (const entry of entries(zip)) {
    signal?.throwIfAborted();
    if (!TEXT_PARTS.includes(entry.fileName) || texts.has(entry.fileName)) continue;
    budget.admit(entry);
    texts.set(entry.fileName, await readPart(zip, entry, budget, signal));
  }
  return texts;
}

/** The entries of a lazily read ZIP, one at a time. */
async function* entries(zip: ZipFile): AsyncGenerator<Entry> {
  for (;;) {
    const entry = await new Promise<Entry | null>((resolve, reject) => {
      const done = (): void => {
        zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
      };
      const onEntry = (e: Entry): void => (done(), resolve(e));
      const onEnd = (): void => (done(), resolve(null));
      const onError = (err: Error): void => (done(), reject(err));
      zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
      zip.readEntry();
    });
    if (entry === null) return;
    yield entry;
  }
}

async function readPart(zip: ZipFile, entry: Entry, budget: InflateBudget, signal?: AbortSignal): Promise<string> {
  if (entry.isEncrypted()) throw new ExtractionError('DOCX is encrypted');
  const stream: Readable = await zip.openReadStreamPromise(entry);
  const xml = new WordXmlText(entry.fileName);
  const decoder = new TextDecoder('utf-8');
  let inflated = 0;
  // Leaving the loop early (a limit, an abort, bad XML) destroys the stream
  // and with it the inflater: nothing is inflated past the bound.
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    signal?.throwIfAborted();
    inflated += chunk.length;
    budget.spend(entry, chunk.length, inflated);
    xml.write(decoder.decode(chunk, { stream: true }));
  }
  xml.write(decoder.decode());
  return xml.end();
}

/** The inflate allowance of one DOCX, shared by all its parts. */
class InflateBudget {
  private used = 0;

  constructor(private readonly limits: ExtractLimits) {}

  /** Refuses a part whose declared size or ratio is already past the limits. */
  admit(entry: Entry): void {
    if (entry.uncompressedSize > this.limits.maxInflatedBytes - this.used) throw this.tooLarge();
    this.checkRatio(entry, entry.uncompressedSize);
  }

  /** Counts `n` more inflated bytes of `entry` (`sofar` of it in all). */
  spend(entry: Entry, n: number, sofar: number): void {
    this.used += n;
    if (this.used > this.limits.maxInflatedBytes) throw this.tooLarge();
    this.checkRatio(entry, sofar);
  }

  private checkRatio(entry: Entry, inflated: number): void {
    if (inflated <= RATIO_FLOOR_BYTES) return;
    const ratio = inflated / Math.max(1, entry.compressedSize);
    if (ratio > this.limits.maxCompressionRatio) {
      throw new ExtractionError(
        `DOCX part ${entry.fileName} is compressed more than ${this.limits.maxCompressionRatio}:1 — refused as a possible zip bomb`,
      );
    }
  }

  private tooLarge(): ExtractionError {
    return new ExtractionError(`DOCX inflates past the ${formatBytes(this.limits.maxInflatedBytes)} limit`);
  }
}
