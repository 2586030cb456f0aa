import { parseConfig } from '@docpipe/runtime';
import { describe, expect, it } from 'vitest';
import { ArchiveConfig, archiveWriterSettings } from './config.js';

describe('ArchiveConfig', () => {
  it('defaults flush size and rotation, and hands them to the writer', () => {
    const config = parseConfig(ArchiveConfig, {});
    expect(config).toEqual({ ARCHIVE_FLUSH_SIZE: 1000, ARCHIVE_ROTATE_MS: 60_000 });
    expect(archiveWriterSettings(parseConfig(ArchiveConfig, { ARCHIVE_FLUSH_SIZE: '5', ARCHIVE_ROTATE_MS: '250' }))).toEqual({ flushSize: 5, rotateMs: 250 });
  });

  it('names bad numbers', () => {
    expect(() => parseConfig(ArchiveConfig, { ARCHIVE_FLUSH_SIZE: '0' })).toThrow(/ARCHIVE_FLUSH_SIZE/);
  });
});
