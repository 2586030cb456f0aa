import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

let tmpCounter = 0;

/**
 * Writes `content` to `file` so that readers see the old or the new content,
 * never a torn one: a temporary file beside it (`tmp`, or a unique name),
 * flushed to disk, then renamed over. Creates the parent directory.
 */
export async function writeFileAtomically(file: string, content: string, tmp?: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = tmp ?? `${file}.${process.pid}.${++tmpCounter}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(content, 'utf8');
    await handle.datasync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, file);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
