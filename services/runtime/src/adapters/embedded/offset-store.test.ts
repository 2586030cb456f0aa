import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupOffsets } from './offset-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'docpipe-offsets-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('GroupOffsets', () => {
  it('persists commits and reloads them', async () => {
    const offsets = await GroupOffsets.open(dir, 'docpipe-docproc');
    await offsets.commit('documents.raw', 0, 5);
    await offsets.commit('documents.raw', 2, 9);
    const again = await GroupOffsets.open(dir, 'docpipe-docproc');
    expect(again.get('documents.raw', 0)).toBe(5);
    expect(again.get('documents.raw', 2)).toBe(9);
    expect(again.get('documents.raw', 1)).toBeUndefined();
  });

  it('coalesces concurrent commits and leaves no temp file', async () => {
    const offsets = await GroupOffsets.open(dir, 'g/with:odd chars');
    await Promise.all(Array.from({ length: 50 }, (_, i) => offsets.commit('t', i % 3, i)));
    expect(await readdir(dir)).toEqual([`${encodeURIComponent('g/with:odd chars')}.json`]);
    const saved = JSON.parse(await readFile(join(dir, await readdir(dir).then((f) => f[0]!)), 'utf8')) as unknown;
    expect(saved).toEqual({ t: { '0': 48, '1': 49, '2': 47 } });
  });

  it('keeps offsets in memory without a directory', async () => {
    const offsets = await GroupOffsets.open(undefined, 'g');
    await offsets.commit('t', 1, 3);
    expect(offsets.get('t', 1)).toBe(3);
  });
});
