import type { Readable } from 'node:stream';

export interface PutOptions {
  contentType: string;
  /** Stored with the object (S3 user metadata); values must be ASCII-safe (encode them). */
  metadata?: Record<string, string>;
}

export interface ObjectInfo {
  size: number;
  contentType: string;
  metadata: Record<string, string>;
}

/** Thrown by `get`/`head` callers when the key does not exist. */
export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}

/**
 * ObjectStore — S3 in production, a local directory in local mode (DESIGN §6).
 * All keys are relative to one bucket.
 */
export interface ObjectStore {
  readonly bucket: string;
  /**
   * Streams `body` into `key`. The object becomes visible only when the whole
   * stream was written; if the stream errors, nothing is left behind.
   */
  put(key: string, body: Readable, options: PutOptions): Promise<{ size: number }>;
  /** Opens the object for reading; rejects with ObjectNotFoundError. */
  get(key: string): Promise<Readable>;
  head(key: string): Promise<ObjectInfo | null>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** `s3://bucket/key`. */
  uri(key: string): string;
  ping(): Promise<boolean>;
}
