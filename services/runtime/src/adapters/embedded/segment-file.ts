import { open, type FileHandle } from 'node:fs/promises';
import type { RecordStore, StoredRecord } from './records.js';

const NEWLINE = 0x0a;
const SCAN_CHUNK = 1 << 20;

interface Line {
  o: number;
  t: number;
  k: string | null;
  h: Record<string, string>;
  v: string;
}

/**
 * A partition's records as an append-only JSON-lines file, one record per
 * line (value in base64). Only the byte position of each line is held in
 * memory; records are read back from the file on demand.
 */
export class SegmentFile implements RecordStore {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly positions: number[],
    private size: number,
  ) {}

  /**
   * Opens (or creates) the file and indexes its lines in one pass. A torn
   * last line — a crash mid-append, never acknowledged — is cut off.
   */
  static async open(path: string): Promise<SegmentFile> {
    const handle = await open(path, 'a+');
    try {
      const { positions, size } = await indexLines(handle);
      if (size < (await handle.stat()).size) await handle.truncate(size);
      return new SegmentFile(path, handle, positions, size);
    } catch (err) {
      await handle.close();
      throw new Error(`cannot open segment ${path}`, { cause: err });
    }
  }

  get length(): number {
    return this.positions.length;
  }

  async append(records: StoredRecord[]): Promise<void> {
    const lines = records.map((r) => Buffer.from(`${JSON.stringify(toLine(r))}\n`, 'utf8'));
    const data = Buffer.concat(lines);
    try {
      await writeFully(this.handle, data);
      // One fsync per append call, however many records it carries.
      await this.handle.datasync();
    } catch (err) {
      await this.handle.truncate(this.size).catch(() => {});
      throw new Error(`cannot append to ${this.path}`, { cause: err });
    }
    let position = this.size;
    for (const line of lines) {
      this.positions.push(position);
      position += line.length;
    }
    this.size = position;
  }

  async read(from: number, max: number): Promise<StoredRecord[]> {
    const to = Math.min(this.positions.length, from + max);
    if (from >= to) return [];
    const start = this.positions[from]!;
    const end = to < this.positions.length ? this.positions[to]! : this.size;
    const data = await readFully(this.handle, start, end - start);
    return splitLines(data).map((text, i) => fromLine(text, from + i, this.path));
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

async function indexLines(handle: FileHandle): Promise<{ positions: number[]; size: number }> {
  const positions: number[] = [];
  const chunk = Buffer.allocUnsafe(SCAN_CHUNK);
  let lineStart = 0;
  let filePos = 0;
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, SCAN_CHUNK, filePos);
    if (bytesRead === 0) break;
    let nl = chunk.indexOf(NEWLINE, 0);
    while (nl !== -1 && nl < bytesRead) {
      positions.push(lineStart);
      lineStart = filePos + nl + 1;
      nl = chunk.indexOf(NEWLINE, nl + 1);
    }
    filePos += bytesRead;
  }
  return { positions, size: lineStart };
}

async function writeFully(handle: FileHandle, data: Buffer): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written);
    written += bytesWritten;
  }
}

async function readFully(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const data = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(data, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`segment ended early at byte ${position + done}`);
    done += bytesRead;
  }
  return data;
}

function splitLines(data: Buffer): string[] {
  const text = data.toString('utf8');
  return text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
}

function toLine(r: StoredRecord): Line {
  return { o: r.offset, t: r.timestamp, k: r.key, h: r.headers, v: r.value.toString('base64') };
}

function fromLine(text: string, expectedOffset: number, path: string): StoredRecord {
  const line = JSON.parse(text) as Line;
  if (line.o !== expectedOffset) {
    throw new Error(`corrupt segment ${path}: expected offset ${expectedOffset}, found ${line.o}`);
  }
  return { offset: line.o, timestamp: line.t, key: line.k, headers: line.h, value: Buffer.from(line.v, 'base64') };
}
