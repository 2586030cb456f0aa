import { ConfigError, type VariableHelp } from '@docpipe/runtime';
import { z } from 'zod';
import { LocalArchiveStore } from './local-store.js';
import type { ArchiveStore } from './store.js';
import { WebHdfsArchiveStore } from './webhdfs-store.js';

/**
 * The archive writer's environment. A fragment: merge it with
 * `BaseConfig.extend(ArchiveConfig.shape)`. ARCHIVE_DIR wins over WEBHDFS_URL,
 * so a shell that exported the stack's WEBHDFS_URL still archives locally
 * when local mode sets ARCHIVE_DIR.
 */
export const ArchiveConfig = z.object({
  ARCHIVE_DIR: z.string().min(1).optional(),
  WEBHDFS_URL: z.url({ protocol: /^https?$/ }).optional(),
  HDFS_USER: z.string().min(1).optional(),
  ARCHIVE_HDFS_DIR: z.string().regex(/^\//, 'an absolute HDFS path').default('/topics'),
  ARCHIVE_FLUSH_SIZE: z.coerce.number().int().positive().default(1000),
  ARCHIVE_ROTATE_MS: z.coerce.number().int().positive().default(60_000),
});
export type ArchiveConfig = z.infer<typeof ArchiveConfig>;

/** One line per variable, for usage text and the README's table. */
export const ARCHIVE_HELP: VariableHelp<ArchiveConfig> = {
  ARCHIVE_DIR: 'local directory of the archive (the topics dir: <dir>/<topic>/year=…/…json); wins over WEBHDFS_URL',
  WEBHDFS_URL: 'archive to HDFS through WebHDFS instead, e.g. http://namenode:9870/webhdfs/v1',
  HDFS_USER: 'HDFS user the files are written as (WebHDFS user.name); required with WEBHDFS_URL',
  ARCHIVE_HDFS_DIR: 'HDFS path of the topics dir',
  ARCHIVE_FLUSH_SIZE: 'records per archive file at most; a full buffer is written at once',
  ARCHIVE_ROTATE_MS: 'a buffer is written when it is this old (ms), full or not',
};

/** The store the config names; throws ConfigError when it names none or lacks HDFS_USER. */
export function archiveStoreFromConfig(config: ArchiveConfig): ArchiveStore {
  if (config.ARCHIVE_DIR) return new LocalArchiveStore(config.ARCHIVE_DIR);
  if (!config.WEBHDFS_URL) throw new ConfigError(['ARCHIVE_DIR: set it (or WEBHDFS_URL) to say where the archive goes']);
  if (!config.HDFS_USER) throw new ConfigError(['HDFS_USER: required when WEBHDFS_URL is set']);
  return new WebHdfsArchiveStore({ url: config.WEBHDFS_URL, user: config.HDFS_USER, root: config.ARCHIVE_HDFS_DIR });
}

/** The writer options the config sets. */
export function archiveWriterSettings(config: Pick<ArchiveConfig, 'ARCHIVE_FLUSH_SIZE' | 'ARCHIVE_ROTATE_MS'>): { flushSize: number; rotateMs: number } {
  return { flushSize: config.ARCHIVE_FLUSH_SIZE, rotateMs: config.ARCHIVE_ROTATE_MS };
}
