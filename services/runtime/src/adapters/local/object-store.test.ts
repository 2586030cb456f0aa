import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectNotFoundError, type ObjectStore } from '../../ports/object-store.js';
import { InvalidObjectKeyError, openLocalObjectStore } from './object-store.js';

let dir: string;
let store: ObjectStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'docpipe-objects-'));
  store = await openLocalObjectStore({ dir, bucket: 'docs' });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(root.length + 1)).sort();
}

describe('local object store', () => {
  it('stores, reads, describes and deletes an object', async () => {
    const key = 'acme/3f2b8c2e-9a55-4a3e-8f0e-6f4c1d2b7a10/report.pdf';
    const { size } = await store.put(key, Readable.from([Buffer.from('%PDF-'), Buffer.from('1.7 body')]), {
      contentType: 'application/pdf',
      metadata: { filename: 'r%C3%A9port.pdf' },
    });
    expect(size).toBe(13);
    expect(await text(await store.get(key))).toBe('%PDF-1.7 body');
    expect(await store.head(key)).toEqual({ size: 13, contentType: 'application/pdf', metadata: { filename: 'r%C3%A9port.pdf' } });
    expect(store.uri(key)).toBe(`s3://docs/${key}`);
    await store.delete(key);
    expect(await store.head(key)).toBeNull();
    await expect(store.get(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(await listFiles(dir)).toEqual([]);
  });

  it('overwrites an existing key', async () => {
    await store.put('a/b', Readable.from(['one']), { contentType: 'text/plain' });
    await store.put('a/b', Readable.from(['two!']), { contentType: 'text/markdown' });
    expect(await text(await store.get('a/b'))).toBe('two!');
    expect(await store.head('a/b')).toMatchObject({ size: 4, contentType: 'text/markdown' });
  });

  it('leaves nothing behind when the body stream fails', async () => {
    const body = new Readable({ read() {} });
    const put = store.put('acme/doc/broken.txt', body, { contentType: 'text/plain' });
    body.push('partial data');
    setImmediate(() => body.destroy(new Error('client went away')));
    await expect(put).rejects.toThrow('client went away');
    expect(await store.head('acme/doc/broken.txt')).toBeNull();
    expect(await listFiles(dir)).toEqual([]);
  });

  it('streams a large body without holding it', async () => {
    const chunk = Buffer.alloc(64 * 1024, 7);
    const chunks = 160; // 10 MiB
    const { size } = await store.put('big/blob', Readable.from((function* () {
      for (let i = 0; i < chunks; i++) yield chunk;
    })()), { contentType: 'application/octet-stream' });
    expect(size).toBe(chunk.length * chunks);
    expect((await store.head('big/blob'))?.size).toBe(size);
  });

  it('keeps sidecars apart from objects whatever the key', async () => {
    await store.put('x', Readable.from(['1']), { contentType: 'text/plain' });
    await store.put('x.json', Readable.from(['22']), { contentType: 'application/json' });
    await store.put('.meta', Readable.from(['333']), { contentType: 'text/plain' });
    expect(await store.head('x')).toMatchObject({ size: 1, contentType: 'text/plain' });
    expect(await store.head('x.json')).toMatchObject({ size: 2, contentType: 'application/json' });
    expect(await store.head('.meta')).toMatchObject({ size: 3, contentType: 'text/plain' });
  });

  it.each([
    ['', 'empty'],
    ['/etc/passwd', 'absolute'],
    ['a/../../etc/passwd', '".."'],
    ['a/./b', '"."'],
    ['a\\b', 'backslash'],
    ['a\0b', 'NUL'],
    ['a//b', 'empty path segment'],
    ['a/', 'empty path segment'],
  ])('rejects the key %j', async (key, reason) => {
    const body = Readable.from(['x']);
    await expect(store.put(key, body, { contentType: 'text/plain' })).rejects.toThrow(InvalidObjectKeyError);
    await expect(store.get(key)).rejects.toThrow(reason);
    await expect(store.delete(key)).rejects.toThrow(InvalidObjectKeyError);
    expect(await listFiles(dir)).toEqual([]);
  });

  it('treats a key prefix (a directory) as missing', async () => {
    await store.put('acme/doc/file', Readable.from(['x']), { contentType: 'text/plain' });
    expect(await store.head('acme/doc')).toBeNull();
    await expect(store.get('acme/doc')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.get('acme/doc/file/deeper')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('deletes a missing key without error and answers ping', async () => {
    await expect(store.delete('nope/nothing')).resolves.toBeUndefined();
    expect(await store.ping()).toBe(true);
    await rm(dir, { recursive: true, force: true });
    expect(await store.ping()).toBe(false);
  });

  it('rejects a bucket name that could clash with its own bookkeeping', async () => {
    await expect(openLocalObjectStore({ dir, bucket: '.meta' })).rejects.toThrow('invalid bucket name');
    await expect(openLocalObjectStore({ dir, bucket: '../x' })).rejects.toThrow('invalid bucket name');
  });
});
