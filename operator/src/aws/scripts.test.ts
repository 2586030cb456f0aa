import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScriptStore } from './ports.js';
import { ScriptUploader, shortHash } from './scripts.js';

/** A ScriptStore in memory that counts what it is asked. */
class CountingStore implements ScriptStore {
  readonly objects = new Map<string, Buffer>();
  heads: string[] = [];
  puts: string[] = [];
  async exists(bucket: string, key: string): Promise<boolean> {
    this.heads.push(`${bucket}/${key}`);
    return this.objects.has(`${bucket}/${key}`);
  }
  async put(bucket: string, key: string, body: Buffer): Promise<void> {
    this.puts.push(`${bucket}/${key}`);
    this.objects.set(`${bucket}/${key}`, body);
  }
}

describe('ScriptUploader', () => {
  let dir: string;
  let path: string;
  let store: CountingStore;
  let uploader: ScriptUploader;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docpipe-scripts-'));
    path = join(dir, 'job.py');
    await writeFile(path, 'print("v1")\n');
    store = new CountingStore();
    uploader = new ScriptUploader(store, { flink: path });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads a missing script under its content hash, then neither asks S3 nor rereads the file again', async () => {
    const mtime = new Date('2026-11-28T10:00:00Z');
    await utimes(path, mtime, mtime);
    const first = await uploader.ensure('flink', 'jobs', 'docpipe/');
    const key = `docpipe/flink-${shortHash('print("v1")\n')}.py`;
    expect(first).toEqual({ uri: `s3://jobs/${key}`, key, hash: shortHash('print("v1")\n'), uploaded: true });
    expect(store.objects.get(`jobs/${key}`)?.toString()).toBe('print("v1")\n');
    // Same size and mtime, other bytes: a reread would show a new hash.
    await writeFile(path, 'print("v2")\n');
    await utimes(path, mtime, mtime);
    const second = await uploader.ensure('flink', 'jobs', 'docpipe/');
    expect(second).toEqual({ ...first, uploaded: false });
    expect(store.heads).toEqual([`jobs/${key}`]);
    expect(store.puts).toEqual([`jobs/${key}`]);
  });

  it('asks S3 once per bucket and key, and uploads nothing that is there', async () => {
    const key = `p/flink-${shortHash('print("v1")\n')}.py`;
    store.objects.set(`a/${key}`, Buffer.from('print("v1")\n'));
    expect((await uploader.ensure('flink', 'a', 'p/')).uploaded).toBe(false);
    expect((await uploader.ensure('flink', 'b', 'p/')).uploaded).toBe(true);
    await uploader.ensure('flink', 'a', 'p/');
    await uploader.ensure('flink', 'b', 'p/');
    expect(store.heads).toEqual([`a/${key}`, `b/${key}`]);
    expect(store.puts).toEqual([`b/${key}`]);
  });

  it('notices a changed script (a new image’s): a new hash, a new key, uploaded', async () => {
    const before = await uploader.ensure('flink', 'jobs', 'docpipe/');
    await writeFile(path, 'print("version two")\n');
    const after = await uploader.ensure('flink', 'jobs', 'docpipe/');
    expect(after.hash).toBe(shortHash('print("version two")\n'));
    expect(after.key).not.toBe(before.key);
    expect(after.uploaded).toBe(true);
    expect(store.puts).toEqual([`jobs/${before.key}`, `jobs/${after.key}`]);
    expect(store.objects.get(`jobs/${after.key}`)?.toString()).toBe('print("version two")\n');
  });

  it('refuses a script it has no path for', async () => {
    await expect(uploader.ensure('spark', 'jobs', 'docpipe/')).rejects.toThrow(/no local path configured for the spark job script/);
  });
});
