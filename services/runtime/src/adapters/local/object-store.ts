import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, open, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore, type PutOptions } from '../../ports/object-store.js';
import { writeFileAtomically } from '../../fs-atomic.js';

export interface LocalObjectStoreOptions {
  dir: string;
  bucket: string;
}

/** S3's bucket naming, minus the dots-first cases: also keeps buckets apart from `.meta`/`.tmp`. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,62}$/;
const MAX_KEY_BYTES = 1024;

/** Thrown for a key that could escape the bucket directory or that S3 would store differently. */
export class InvalidObjectKeyError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidObjectKeyError';
  }
}

/** Throws InvalidObjectKeyError unless `key` is a plain relative path of non-empty segments. */
export function assertSafeKey(key: string): void {
  const reason = keyProblem(key);
  if (reason) throw new InvalidObjectKeyError(key, reason);
}

function keyProblem(key: string): string | null {
  if (key.length === 0) return 'empty';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `longer than ${MAX_KEY_BYTES} bytes`;
  if (key.includes('\0')) return 'contains NUL';
  if (key.includes('\\')) return 'contains a backslash';
  if (key.startsWith('/')) return 'absolute';
  const segments = key.split('/');
  if (segments.some((s) => s === '')) return 'empty path segment';
  if (segments.some((s) => s === '.' || s === '..')) return 'contains a "." or ".." segment';
  return null;
}

interface Sidecar {
  contentType: string;
  metadata: Record<string, string>;
}

/**
 * ObjectStore on a local directory: objects at `<dir>/<bucket>/<key>`, their
 * content type and metadata at `<dir>/.meta/<bucket>/<key>` — the same
 * relative path in a tree of its own, so a sidecar can never clash with an
 * object, and temp files under `<dir>/.tmp`.
 */
class LocalObjectStore implements ObjectStore {
  private readonly root: string;
  private readonly metaRoot: string;
  private readonly tmpDir: string;

  constructor(
    private readonly dir: string,
    readonly bucket: string,
  ) {
    this.root = join(dir, bucket);
    this.metaRoot = join(dir, '.meta', bucket);
    this.tmpDir = join(dir, '.tmp');
  }

  async init(): Promise<void> {
    await Promise.all([this.root, this.metaRoot, this.tmpDir].map((d) => mkdir(d, { recursive: true })));
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<{ size: number }> {
    assertSafeKey(key);
    const tmp = join(this.tmpDir, randomUUID());
    let size = 0;
    try {
      const count = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
        for await (const chunk of source) {
          size += chunk.length;
          yield chunk;
        }
      };
      // flush: fsync before close, so a renamed object is never a hole after a crash.
      await pipeline(body, count, createWriteStream(tmp, { flush: true }));
      const sidecar: Sidecar = { contentType: options.contentType, metadata: { ...options.metadata } };
      await writeFileAtomically(join(this.metaRoot, key), JSON.stringify(sidecar), `${tmp}.meta`);
      await mkdir(dirname(join(this.root, key)), { recursive: true });
      await rename(tmp, join(this.root, key));
      return { size };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Readable> {
    assertSafeKey(key);
    const handle = await open(join(this.root, key), 'r').catch((err: NodeJS.ErrnoException) => {
      throw missing(err) ? new ObjectNotFoundError(key) : err;
    });
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new ObjectNotFoundError(key);
    }
    return handle.createReadStream();
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertSafeKey(key);
    const info = await stat(join(this.root, key)).catch((err: NodeJS.ErrnoException) => {
      if (missing(err)) return null;
      throw err;
    });
    if (!info?.isFile()) return null;
    const sidecar = await readSidecar(join(this.metaRoot, key));
    return { size: info.size, contentType: sidecar.contentType, metadata: sidecar.metadata };
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    await rm(join(this.root, key), { force: true });
    await rm(join(this.metaRoot, key), { force: true });
    await Promise.all([pruneEmptyDirs(this.root, key), pruneEmptyDirs(this.metaRoot, key)]);
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async ping(): Promise<boolean> {
    return access(this.root).then(
      () => true,
      () => false,
    );
  }
}

function missing(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ENOENT' || err.code === 'ENOTDIR';
}

async function readSidecar(path: string): Promise<Sidecar> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Sidecar;
  } catch (err) {
    if (!missing(err as NodeJS.ErrnoException)) throw err;
    return { contentType: 'application/octet-stream', metadata: {} };
  }
}

/** Removes the now-empty directories of `key` below `root` (S3 has no directories to leave behind). */
async function pruneEmptyDirs(root: string, key: string): Promise<void> {
  const segments = key.split('/').slice(0, -1);
  for (let n = segments.length; n > 0; n--) {
    try {
      await rmdir(join(root, ...segments.slice(0, n)));
    } catch {
      return; // not empty (or gone): stop here
    }
  }
}

/** Opens (creating) a bucket directory under `dir`. */
export async function openLocalObjectStore(opts: LocalObjectStoreOptions): Promise<ObjectStore> {
  if (!BUCKET_NAME.test(opts.bucket)) {
    throw new Error(`invalid bucket name ${JSON.stringify(opts.bucket)}: use 2-63 of [a-z0-9.-], starting with a letter or digit`);
  }
  const store = new LocalObjectStore(opts.dir, opts.bucket);
  await store.init();
  return store;
}
