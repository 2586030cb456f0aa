import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { ScriptStore } from './ports.js';

/** A job script on S3: where it is and the hash its key carries. */
export interface UploadedScript {
  uri: string;
  key: string;
  /** The first 12 hex digits of its SHA-256. */
  hash: string;
}

/** The first 12 hex digits of the SHA-256 of `data`. */
export function shortHash(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 12);
}

/** `<prefix><name>-<hash>.py`, `hash` the script's shortHash: a changed script is a new key, an unchanged one the same key. */
export function scriptKey(prefix: string, name: string, hash: string): string {
  return `${prefix}${name}-${hash}.py`;
}

/** A local script as last read: reread when its mtime or size moves. */
interface ReadScript {
  mtimeMs: number;
  size: number;
  content: Buffer;
  hash: string;
}

/**
 * Uploads job scripts once per content: HeadObject first, PutObject only when
 * missing. Every reconcile of every pipeline asks, so the work is remembered:
 * a script file is reread (and rehashed) only when a stat shows its mtime or
 * size changed, and a (bucket, key) confirmed present or uploaded is not
 * asked about again in this process. A changed file is a new hash, so a new
 * key, which is looked up (and uploaded) afresh.
 */
export class ScriptUploader {
  private readonly read = new Map<string, ReadScript>();
  private readonly present = new Set<string>();

  constructor(
    private readonly store: ScriptStore,
    /** Local paths of the scripts by name (flink, spark), stat'ed on every call so a new image's script is noticed. */
    private readonly paths: Readonly<Record<string, string>>,
  ) {}

  /** Makes sure s3://bucket/<prefix><name>-<hash>.py holds the script `name`; returns where it is. */
  async ensure(name: string, bucket: string, prefix: string): Promise<UploadedScript & { uploaded: boolean }> {
    const path = this.paths[name];
    if (!path) throw new Error(`no local path configured for the ${name} job script`);
    const script = await this.current(path);
    const key = scriptKey(prefix, name, script.hash);
    const where = `${bucket}/${key}`;
    let uploaded = false;
    if (!this.present.has(where)) {
      uploaded = !(await this.store.exists(bucket, key));
      if (uploaded) await this.store.put(bucket, key, script.content);
      this.present.add(where);
    }
    return { uri: `s3://${where}`, key, hash: script.hash, uploaded };
  }

  /** The script at `path`, read again only when a stat shows it changed. */
  private async current(path: string): Promise<ReadScript> {
    const { mtimeMs, size } = await stat(path);
    const known = this.read.get(path);
    if (known !== undefined && known.mtimeMs === mtimeMs && known.size === size) return known;
    const content = await readFile(path);
    const script = { mtimeMs, size, content, hash: shortHash(content) };
    this.read.set(path, script);
    return script;
  }
}
