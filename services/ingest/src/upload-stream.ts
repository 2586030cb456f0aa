import { createHash, type Hash } from 'node:crypto';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { HttpError } from '@docpipe/runtime';

/** Refuses an upload over the limit; the same error whether the header or the stream told. */
export function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'payload_too_large', `the file exceeds the upload limit of ${maxBytes} bytes`);
}

/**
 * Counts and hashes the bytes flowing through, and fails the stream as soon
 * as they exceed `maxBytes`, so an oversized upload is never read to the end.
 */
export class UploadMeter extends Transform {
  bytes = 0;
  exceeded = false;
  private readonly hash: Hash = createHash('sha256');

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      this.exceeded = true;
      done(tooLarge(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  /** The hex sha256 of everything that went through; call once, after the end. */
  digest(): string {
    return this.hash.digest('hex');
  }
}

/** A client's file stream behind an UploadMeter, remembering whether the client's side failed. */
export interface MeteredUpload {
  meter: UploadMeter;
  /** Set when the multipart stream errored or ended early (a client problem, not ours). */
  sourceError(): Error | null;
  /** Stops reading: destroys both streams. */
  abort(): void;
}

/** Pipes `file` through a new UploadMeter and watches it for client-side failures. */
export function meterUpload(file: Readable, maxBytes: number): MeteredUpload {
  const meter = new UploadMeter(maxBytes);
  // The parser may have failed the part before we got to it (the whole body
  // can arrive at once), so look at its state as well as listening.
  let failure: Error | null = file.errored ?? (file.destroyed && !file.readableEnded ? endedEarly() : null);
  file.once('error', (err: Error) => {
    failure ??= err;
  });
  file.once('close', () => {
    if (!file.readableEnded) failure ??= endedEarly();
  });
  // Errors travel to the meter and surface where it is read.
  pipeline(file, meter, () => undefined);
  return {
    meter,
    sourceError: () => failure,
    abort: () => {
      meter.destroy();
      file.destroy();
    },
  };
}

function endedEarly(): Error {
  return new Error('the file part ended early');
}

/** The first bytes of a stream, and an iterator positioned right after them. */
export interface StreamHead {
  head: Buffer;
  rest: AsyncIterator<Buffer>;
}

/** Reads at least `size` bytes (or the whole stream when shorter) without consuming the rest. */
export async function readHead(stream: Readable, size: number): Promise<StreamHead> {
  const rest = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const next = await rest.next();
    if (next.done) break;
    chunks.push(next.value);
    length += next.value.length;
  }
  return { head: Buffer.concat(chunks), rest };
}

/** The stream again, whole: the head that was already read, then the rest. */
export function rejoin({ head, rest }: StreamHead): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  }
  return Readable.from(chunks(), { objectMode: false });
}
