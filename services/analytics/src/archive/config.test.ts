import { ConfigError, parseConfig } from '@docpipe/runtime';
import { describe, expect, it } from 'vitest';
import { ArchiveConfig, archiveStoreFromConfig } from './config.js';

describe('ArchiveConfig', () => {
  it('defaults flush size and rotation, and prefers ARCHIVE_DIR', () => {
    const config = parseConfig(ArchiveConfig, { ARCHIVE_DIR: '/tmp/a', WEBHDFS_URL: 'http://127.0.0.1:19870/webhdfs/v1' });
    expect(config.ARCHIVE_FLUSH_SIZE).toBe(1000);
    expect(config.ARCHIVE_ROTATE_MS).toBe(60_000);
    expect(archiveStoreFromConfig(config).location).toBe('file:///tmp/a');
  });

  it('builds the WebHDFS store, which needs HDFS_USER', () => {
    const url = 'http://127.0.0.1:19870/webhdfs/v1';
    expect(archiveStoreFromConfig(parseConfig(ArchiveConfig, { WEBHDFS_URL: url, HDFS_USER: 'u' })).location).toBe('webhdfs://127.0.0.1:19870/topics');
    expect(() => archiveStoreFromConfig(parseConfig(ArchiveConfig, { WEBHDFS_URL: url }))).toThrow(ConfigError);
    expect(() => archiveStoreFromConfig(parseConfig(ArchiveConfig, {}))).toThrow(/ARCHIVE_DIR/);
  });

  it('names bad numbers', () => {
    expect(() => parseConfig(ArchiveConfig, { ARCHIVE_FLUSH_SIZE: '0' })).toThrow(/ARCHIVE_FLUSH_SIZE/);
  });
});
