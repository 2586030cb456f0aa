import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ArchiveStore } from './store.js';

let tmpCounter = 0;

/** The archive in a local directory (local mode): `<root>/<topic>/year=…/…json`. */
export class LocalArchiveStore implements ArchiveStore {
  readonly location: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.location = pathToFileURL(this.root).href;
  }

  /** A hidden `.tmp` beside the target, written and fsynced, renamed over it, then the directory fsynced. */
  async put(path: string, content: string): Promise<void> {
    const file = this.abs(path);
    const dir = dirname(file);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${file.slice(dir.length + 1)}.${process.pid}.${++tmpCounter}.tmp`);
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    await syncDir(dir);
  }

  async list(dir: string): Promise<string[]> {
    try {
      return (await readdir(this.abs(dir))).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async mkdir(dir: string): Promise<void> {
    await mkdir(this.abs(dir), { recursive: true });
  }

  read(path: string): Promise<Buffer> {
    return readFile(this.abs(path));
  }

  async delete(path: string): Promise<void> {
    await rm(this.abs(path), { force: true });
  }

  private abs(path: string): string {
    const full = resolve(this.root, path);
    if (full !== this.root && !full.startsWith(this.root + sep)) throw new Error(`path ${JSON.stringify(path)} leaves the archive root`);
    return full;
  }
}

/** The rename is durable only once the directory entry is on disk too. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
