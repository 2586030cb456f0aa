import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalArchiveStore } from './local-store.js';

describe('LocalArchiveStore', () => {
  let dir: string;
  let store: LocalArchiveStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archive-store-'));
    store = new LocalArchiveStore(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('puts a file under new directories, replaces it whole, and leaves no temporary', async () => {
    await store.put('t/year=2024/f.json', 'one\n');
    await store.put('t/year=2024/f.json', 'two\n');
    expect((await store.read('t/year=2024/f.json')).toString()).toBe('two\n');
    expect(await readdir(join(dir, 't/year=2024'))).toEqual(['f.json']);
  });

  it('lists sorted names, and nothing for a missing directory', async () => {
    await store.put('d/b', 'x');
    await store.put('d/a/c', 'x');
    expect(await store.list('d')).toEqual(['a', 'b']);
    expect(await store.list('missing')).toEqual([]);
  });

  it('deletes idempotently and refuses paths outside the root', async () => {
    await store.put('x', 'x');
    await store.delete('x');
    await store.delete('x');
    expect(await store.list('')).toEqual([]);
    await expect(store.put('../escape', 'x')).rejects.toThrow(/leaves the archive root/);
  });
});
