import { z } from 'zod';

/**
 * When the archive writer turns a buffer into a file. A fragment for local
 * mode's config to extend (`BaseConfig.extend(ArchiveConfig.shape)`); where
 * the archive goes is the caller's choice of store, not configuration.
 */
export const ArchiveConfig = z.object({
  ARCHIVE_FLUSH_SIZE: z.coerce.number().int().positive().default(1000),
  ARCHIVE_ROTATE_MS: z.coerce.number().int().positive().default(60_000),
});
export type ArchiveConfig = z.infer<typeof ArchiveConfig>;

/** The writer options the config sets. */
export function archiveWriterSettings(config: ArchiveConfig): { flushSize: number; rotateMs: number } {
  return { flushSize: config.ARCHIVE_FLUSH_SIZE, rotateMs: config.ARCHIVE_ROTATE_MS };
}
