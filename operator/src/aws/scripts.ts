import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
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

/** `<prefix><name>-<sha256 12 hex>.py`: a changed script is a new key, an unchanged one the same key. */
export function scriptKey(prefix: string, name: string, content: Buffer): string {
  return `${prefix}${name}-${shortHash(content)}.py`;
}

/** Uploads job scripts once per content: HeadObject first, PutObject only when missing. */
export class ScriptUploader {
  constructor(
    private readonly store: ScriptStore,
    /** Local paths of the scripts by name (flink, spark), read on every call so a new image's script is noticed. */
    private readonly paths: Readonly<Record<string, string>>,
  ) {}

  /** Makes sure s3://bucket/<prefix><name>-<hash>.py holds the script `name`; returns where it is. */
  async ensure(name: string, bucket: string, prefix: string): Promise<UploadedScript & { uploaded: boolean }> {
    const path = this.paths[name];
    if (!path) throw new Error(`no local path configured for the ${name} job script`);
    const content = await readFile(path);
    const key = scriptKey(prefix, name, content);
    const uploaded = !(await this.store.exists(bucket, key));
    if (uploaded) await this.store.put(bucket, key, content);
    return { uri: `s3://${bucket}/${key}`, key, hash: shortHash(content), uploaded };
  }
}
