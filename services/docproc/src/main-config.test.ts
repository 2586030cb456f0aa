import { describe, expect, it } from 'vitest';
import { loadDocprocMainConfig } from './main-config.js';

const REQUIRED = { KAFKA_BROKERS: '127.0.0.1:9092', S3_BUCKET: 'documents', AWS_REGION: 'eu-west-1' };

describe('the docproc process configuration', () => {
  it('names every missing variable of its adapters', () => {
    expect(() => loadDocprocMainConfig({})).toThrow(/KAFKA_BROKERS: .*AWS_REGION: .*S3_BUCKET: /);
  });

  it("keeps docproc's own rule: the overlap stays below the chunk size", () => {
    expect(() => loadDocprocMainConfig({ ...REQUIRED, CHUNK_MAX_TOKENS: '100', CHUNK_OVERLAP_TOKENS: '100' })).toThrow(
      /CHUNK_OVERLAP_TOKENS: must be below CHUNK_MAX_TOKENS \(100\), got 100/,
    );
  });

  it('defaults the ops server to every interface and topics to being left alone', () => {
    expect(loadDocprocMainConfig(REQUIRED)).toMatchObject({ OPS_HOST: '0.0.0.0', OPS_PORT: 9090, KAFKA_ENSURE_TOPICS: false, S3_FORCE_PATH_STYLE: false });
  });
});
