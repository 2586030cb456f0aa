import { open, readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomically } from '@docpipe/runtime';
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

  /**
   * Runtime's atomic write, with a hidden temporary name (readers of the
   * archive skip dot files), then the directory fsynced so the rename is durable.
   */
  async put(path: string, content: string): Promise<void> {
    const file = this.abs(path);
    const dir = dirname(file);
    await writeFileAtomically(file, content, join(dir, `.${basename(file)}.${process.pid}.${++tmpCounter}.tmp`));
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
