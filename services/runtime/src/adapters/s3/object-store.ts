import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import type { Logger } from '../../logging.js';
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore, type PutOptions } from '../../ports/object-store.js';
import { assertSafeKey } from '../local/object-store.js';
import { isNoSuchKey, isNotFound } from './errors.js';
import { uploadStream } from './multipart.js';

const MIB = 1024 * 1024;

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Falls back to the SDK's own resolution (AWS_REGION, profile) when unset. */
  region?: string;
  /** An S3-compatible server (moto, MinIO); unset on AWS. */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Multipart part size; S3's minimum is 5 MiB. Default 8 MiB (S3Config's S3_PART_SIZE_MB: 5). */
  partSizeBytes?: number;
  /** Parts uploaded at once: an upload buffers about partSizeBytes × (queueSize + 1). Default 4. */
  queueSize?: number;
  logger?: Logger;
  /** A client of your own (tests, custom middleware); region/endpoint/forcePathStyle are then ignored. */
  client?: S3Client;
}

class S3ObjectStore implements ObjectStore {
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly opts: S3ObjectStoreOptions,
  ) {
    this.partSize = opts.partSizeBytes ?? 8 * MIB;
    this.queueSize = opts.queueSize ?? 4;
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<{ size: number }> {
    assertSafeKey(key);
    let sourceError: Error | undefined;
    // Recorded as it happens: S3's own failure may surface first.
    body.once('error', (err: Error) => (sourceError = err));
    const target = { client: this.client, bucket: this.bucket, key, contentType: options.contentType, metadata: options.metadata };
    let size: number;
    try {
      // Not lib-storage's Upload: a fresh buffer per part doubled ingest's peak RSS (ADR 0008).
      size = await uploadStream(body, target, { partSize: this.partSize, queueSize: this.queueSize });
    } catch (err) {
      // At once: the caller must see the body stopped when put rejects.
      body.destroy();
      // The body's own error (size limit, client gone) is the caller's to explain, so it goes back as is.
      throw sourceError ?? new Error(`could not upload ${this.uri(key)}`, { cause: err });
    }
    this.opts.logger?.debug({ key, size }, 'object stored');
    return { size };
  }

  async get(key: string): Promise<Readable> {
    assertSafeKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!(out.Body instanceof Readable)) throw new Error(`S3 returned no readable body for ${this.uri(key)}`);
      return out.Body;
    } catch (err) {
      if (isNoSuchKey(err)) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertSafeKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        size: out.ContentLength ?? 0,
        contentType: out.ContentType ?? 'application/octet-stream',
        metadata: out.Metadata ?? {},
      };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    // S3 answers 204 for a missing key too, which is what the port asks for.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async ping(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch (err) {
      this.opts.logger?.warn({ err, bucket: this.bucket }, 'S3 bucket unreachable');
      return false;
    }
  }
}

/** The S3 client createS3ObjectStore builds; credentials come from the SDK's default provider chain. */
export function createS3Client(opts: Pick<S3ObjectStoreOptions, 'region' | 'endpoint' | 'forcePathStyle'>): S3Client {
  return new S3Client({
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    forcePathStyle: opts.forcePathStyle ?? false,
  });
}

/** An ObjectStore on one S3 bucket; streams uploads with multipart, memory bounded by part size × queue size. */
export function createS3ObjectStore(opts: S3ObjectStoreOptions): ObjectStore {
  if (opts.partSizeBytes !== undefined && opts.partSizeBytes < 5 * MIB) {
    throw new Error(`partSizeBytes must be at least 5 MiB (S3's minimum part size), got ${opts.partSizeBytes}`);
  }
  return new S3ObjectStore(opts.client ?? createS3Client(opts), opts.bucket, opts);
}
