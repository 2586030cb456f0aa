import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidObjectKeyError } from '../local/object-store.js';
import { isNoSuchKey, isNotFound } from './errors.js';
import { createS3ObjectStore } from './object-store.js';

// Nothing listens there: every test below must be decided before a request is sent.
const client = new S3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true, maxAttempts: 1 });
afterAll(() => client.destroy());

describe('createS3ObjectStore', () => {
  it('names objects s3://bucket/key', () => {
    const store = createS3ObjectStore({ bucket: 'docs', client });
    expect(store.bucket).toBe('docs');
    expect(store.uri('acme/1/a.pdf')).toBe('s3://docs/acme/1/a.pdf');
  });

  it('refuses a part size S3 would reject', () => {
    expect(() => createS3ObjectStore({ bucket: 'docs', client, partSizeBytes: 1024 })).toThrow(/5 MiB/);
  });

  it('rejects the keys the local store rejects, so both modes accept the same keys', async () => {
    const store = createS3ObjectStore({ bucket: 'docs', client });
    await expect(store.put('../escape', Readable.from([]), { contentType: 'text/plain' })).rejects.toBeInstanceOf(InvalidObjectKeyError);
    await expect(store.get('a//b')).rejects.toBeInstanceOf(InvalidObjectKeyError);
    await expect(store.head('/abs')).rejects.toBeInstanceOf(InvalidObjectKeyError);
    await expect(store.delete('')).rejects.toBeInstanceOf(InvalidObjectKeyError);
  });
});

describe('S3 error classification', () => {
  it('treats only NoSuchKey as a missing object on GET', () => {
    expect(isNoSuchKey({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } })).toBe(true);
    expect(isNoSuchKey({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } })).toBe(false);
    expect(isNoSuchKey(new Error('boom'))).toBe(false);
  });

  it('treats any 404 as absent on HEAD, and nothing else', () => {
    expect(isNotFound({ name: 'NotFound', $metadata: { httpStatusCode: 404 } })).toBe(true);
    expect(isNotFound({ name: 'Unknown', $metadata: { httpStatusCode: 404 } })).toBe(true);
    expect(isNotFound({ name: 'Forbidden', $metadata: { httpStatusCode: 403 } })).toBe(false);
    expect(isNotFound(null)).toBe(false);
  });
});
