import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

/** S3's limit on the parts of one multipart upload. */
const MAX_PARTS = 10_000;

/** Where and how one streamed object is written. */
export interface MultipartTarget {
  client: S3Client;
  bucket: string;
  key: string;
  contentType: string;
  metadata?: Record<string, string>;
}

/** Part size (≥ 5 MiB but the last) and parts sent at once. */
export interface MultipartSizes {
  partSize: number;
  queueSize: number;
}

/**
 * At most `max` part buffers, reused: a part's bytes are copied once from the
 * stream into a buffer that goes back to the pool when S3 has it. lib-storage
 * instead concatenates every part into a fresh buffer, and those dead 8 MiB
 * buffers pile up outside the V8 heap until a GC (≈ 100 MB of ingest's peak
 * RSS in bench/stack/upload.ts). Buffers are allocated on first use, and
 * allocUnsafeSlow commits pages only as they are written, so a small upload
 * costs what it holds.
 */
class PartPool {
  private readonly free: Buffer[] = [];
  private readonly waiting: Array<(buffer: Buffer) => void> = [];
  private created = 0;

  constructor(
    private readonly size: number,
    private readonly max: number,
  ) {}

  take(): Promise<Buffer> {
    const buffer = this.free.pop();
    if (buffer) return Promise.resolve(buffer);
    if (this.created < this.max) {
      this.created += 1;
      return Promise.resolve(Buffer.allocUnsafeSlow(this.size));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  give(buffer: Buffer): void {
    const next = this.waiting.shift();
    if (next) next(buffer);
    else this.free.push(buffer);
  }
}

/** One multipart upload in progress: parts in flight, their results, the first failure. */
class PartUploads {
  readonly parts: CompletedPart[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;
  private uploadId: string | undefined;

  constructor(
    private readonly target: MultipartTarget,
    private readonly pool: PartPool,
    private readonly queueSize: number,
  ) {}

  /** Throws the first part failure, so the reader stops early. */
  check(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Sends `buffer[0, length)` as the next part once fewer than queueSize are in flight; the buffer returns to the pool afterwards. */
  async send(partNumber: number, buffer: Buffer, length: number): Promise<void> {
    this.uploadId ??= await this.create();
    while (this.inFlight.size >= this.queueSize) await Promise.race(this.inFlight);
    const { client, bucket, key } = this.target;
    const command = new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId, PartNumber: partNumber, Body: buffer.subarray(0, length), ContentLength: length });
    const sending: Promise<void> = client
      .send(command)
      .then(({ ETag, ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME, ChecksumSHA1, ChecksumSHA256 }) => {
        if (!ETag) throw new Error(`S3 answered part ${partNumber} without an ETag`);
        this.parts.push({ PartNumber: partNumber, ETag, ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME, ChecksumSHA1, ChecksumSHA256 });
      })
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.pool.give(buffer);
        this.inFlight.delete(sending);
      });
    this.inFlight.add(sending);
  }

  /** Waits for every part, then completes the upload (parts in order). */
  async complete(): Promise<void> {
    await this.settle();
    this.check();
    const parts = [...this.parts].sort((a, b) => a.PartNumber! - b.PartNumber!);
    const { client, bucket, key } = this.target;
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId, MultipartUpload: { Parts: parts } }));
  }

  /** Waits for the parts in flight and drops the upload, so no parts are left behind. */
  async abort(): Promise<void> {
    await this.settle();
    if (!this.uploadId) return;
    const { client, bucket, key } = this.target;
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId })).catch(() => undefined);
  }

  private async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private async create(): Promise<string> {
    const { client, bucket, key, contentType, metadata } = this.target;
    // As lib-storage: with the SDK's default checksums, the upload declares CRC32, which every part then carries.
    const checksums = await client.config.requestChecksumCalculation();
    const out = await client.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ContentType: contentType,
        Metadata: metadata,
        ...(checksums === 'WHEN_SUPPORTED' ? { ChecksumAlgorithm: 'CRC32' as const } : {}),
      }),
    );
    if (!out.UploadId) throw new Error('S3 answered CreateMultipartUpload without an UploadId');
    return out.UploadId;
  }
}

/** Copies a stream's chunks into pooled part buffers and hands each full one to the uploads. */
class PartCutter {
  private buffer: Buffer | undefined;
  private filled = 0;
  private parts = 0;
  total = 0;

  constructor(
    private readonly pool: PartPool,
    private readonly uploads: PartUploads,
    private readonly partSize: number,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    this.total += chunk.length;
    for (let offset = 0; offset < chunk.length; ) {
      // A full buffer is sent only once more bytes come: the last part is never empty.
      if (this.filled === this.partSize) await this.flush();
      this.buffer ??= await this.pool.take();
      const copied = chunk.copy(this.buffer, this.filled, offset);
      this.filled += copied;
      offset += copied;
    }
  }

  /** Ends the object: one PutObject when nothing was sent yet, else the last part and the completion. */
  async finish(target: MultipartTarget): Promise<void> {
    if (this.parts === 0) return putWhole(target, this.buffer?.subarray(0, this.filled) ?? Buffer.alloc(0));
    await this.flush();
    await this.uploads.complete();
  }

  private async flush(): Promise<void> {
    this.uploads.check();
    if (this.parts === MAX_PARTS) throw new Error(`the object needs more than S3's ${MAX_PARTS} parts of ${this.partSize} bytes`);
    const buffer = this.buffer!;
    this.buffer = undefined;
    await this.uploads.send(++this.parts, buffer, this.filled);
    this.filled = 0;
  }
}

/**
 * Streams `body` into one object with at most `queueSize` parts in flight and
 * `(queueSize + 1) × partSize` bytes of part buffers, reused; a body shorter
 * than one part is a single PutObject. Resolves to the number of bytes
 * written; on any failure (the body's or S3's) the multipart upload is aborted
 * and the error rethrown.
 */
export async function uploadStream(body: Readable, target: MultipartTarget, sizes: MultipartSizes): Promise<number> {
  const pool = new PartPool(sizes.partSize, sizes.queueSize + 1);
  const uploads = new PartUploads(target, pool, sizes.queueSize);
  const cutter = new PartCutter(pool, uploads, sizes.partSize);
  try {
    for await (const chunk of body as AsyncIterable<Buffer | string>) await cutter.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    await cutter.finish(target);
    return cutter.total;
  } catch (err) {
    await uploads.abort();
    throw err;
  }
}

async function putWhole(target: MultipartTarget, data: Buffer): Promise<void> {
  const { client, bucket, key, contentType, metadata } = target;
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data, ContentLength: data.length, ContentType: contentType, Metadata: metadata }));
}
