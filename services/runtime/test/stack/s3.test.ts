import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { ObjectNotFoundError, type ObjectStore } from '@docpipe/runtime';
import { S3Config, createS3ObjectStore, s3StoreOptions } from '@docpipe/runtime/s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stackEnv } from '../../../../test/stack/env.js';

const MIB = 1024 * 1024;

/** `total` pseudo-random bytes in 64 KiB chunks, never held whole; fails after `failAfter` bytes when given. */
function generated(total: number, opts: { failAfter?: number } = {}): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (opts.failAfter !== undefined && sent >= opts.failAfter) {
        this.destroy(new Error('client went away'));
        return;
      }
      if (sent >= total) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(64 * 1024, total - sent));
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

async function sha256(stream: AsyncIterable<Buffer>): Promise<{ hex: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { hex: hash.digest('hex'), size };
}

/** Hashes what goes through, so the bytes uploaded can be compared with the bytes read back. */
function hashing(source: Readable): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  source.on('data', (chunk: Buffer) => hash.update(chunk));
  source.pause();
  return { stream: source, digest: () => hash.digest('hex') };
}

describe('S3 ObjectStore against moto', () => {
  const bucket = `docpipe-test-${randomBytes(5).toString('hex')}`;
  let config: S3Config;
  let client: S3Client;
  let store: ObjectStore;
  let commands: string[] = [];

  beforeAll(async () => {
    config = S3Config.parse({ ...process.env, S3_ENDPOINT: stackEnv('S3_ENDPOINT'), S3_BUCKET: bucket });
    client = new S3Client({ region: config.AWS_REGION, endpoint: config.S3_ENDPOINT, forcePathStyle: true });
    // Records every command the store sends, so the test can tell a multipart upload from a PutObject.
    client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    store = createS3ObjectStore({ ...s3StoreOptions(config), partSizeBytes: 5 * MIB, queueSize: 2, client });
  });
  beforeEach(() => {
    commands = [];
  });
  afterAll(async () => {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    for (const o of listed.Contents ?? []) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    client.destroy();
  });

  it('reads the addresses of the stack into its config', () => {
    expect(config.S3_FORCE_PATH_STYLE).toBe(true);
    expect(config.S3_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('round-trips a small object with its content type and metadata', async () => {
    const key = 'acme/doc-1/hello.txt';
    const { size } = await store.put(key, Readable.from([Buffer.from('hello, '), Buffer.from('world')]), {
      contentType: 'text/plain',
      metadata: { filename: encodeURIComponent('héllo wörld.txt') },
    });
    expect(size).toBe(12);
    expect(commands).toContain('PutObjectCommand');
    expect(await store.head(key)).toEqual({
      size: 12,
      contentType: 'text/plain',
      metadata: { filename: encodeURIComponent('héllo wörld.txt') },
    });
    const body = await store.get(key);
    expect((await sha256(body)).hex).toBe(createHash('sha256').update('hello, world').digest('hex'));
    expect(store.uri(key)).toBe(`s3://${bucket}/${key}`);
  });

  it('streams a 20 MB body as a multipart upload of several parts and reads back the same bytes', async () => {
    const key = 'acme/doc-2/big.bin';
    const total = 20 * 1000 * 1000;
    const source = hashing(generated(total));
    const { size } = await store.put(key, source.stream, { contentType: 'application/octet-stream' });
    expect(size).toBe(total);
    expect(commands.filter((c) => c === 'UploadPartCommand').length).toBeGreaterThanOrEqual(2);
    expect(commands).toContain('CompleteMultipartUploadCommand');
    expect(commands).not.toContain('PutObjectCommand');
    expect((await store.head(key))?.size).toBe(total);
    const back = await sha256(await store.get(key));
    expect(back).toEqual({ hex: source.digest(), size: total });
  });

  it('leaves no object and no multipart upload behind when the body fails mid-upload', async () => {
    const key = 'acme/doc-3/broken.bin';
    const put = store.put(key, generated(30 * MIB, { failAfter: 12 * MIB }), { contentType: 'application/pdf' });
    await expect(put).rejects.toThrow('client went away');
    expect(commands).toContain('CreateMultipartUploadCommand');
    expect(commands).toContain('AbortMultipartUploadCommand');
    expect(await store.head(key)).toBeNull();
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it('fails a put into a missing bucket with the reason, and stops reading the body', async () => {
    const other = createS3ObjectStore({ ...s3StoreOptions(config), bucket: `${bucket}-absent`, client });
    const body = generated(30 * MIB);
    const put = other.put('acme/doc-5/lost.bin', body, { contentType: 'application/pdf' });
    await expect(put).rejects.toThrow(`could not upload s3://${bucket}-absent/acme/doc-5/lost.bin`);
    await expect(put).rejects.toHaveProperty('cause.name', 'NoSuchBucket');
    expect(body.destroyed).toBe(true);
  });

  it('rejects get of a missing key with ObjectNotFoundError and answers head with null', async () => {
    await expect(store.get('acme/nope/missing.pdf')).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(await store.head('acme/nope/missing.pdf')).toBeNull();
  });

  it('deletes objects, and deleting a missing key is not an error', async () => {
    const key = 'acme/doc-4/gone.txt';
    await store.put(key, Readable.from([Buffer.from('x')]), { contentType: 'text/plain' });
    await store.delete(key);
    expect(await store.head(key)).toBeNull();
    await expect(store.delete(key)).resolves.toBeUndefined();
  });

  it('answers ping for its bucket, and not for a bucket that does not exist', async () => {
    expect(await store.ping()).toBe(true);
    const other = createS3ObjectStore({ ...s3StoreOptions(config), bucket: `${bucket}-absent`, client });
    expect(await other.ping()).toBe(false);
  });

  it('builds its own client from the config (default credential chain)', async () => {
    const own = createS3ObjectStore(s3StoreOptions(config));
    expect(await own.ping()).toBe(true);
  });
});
