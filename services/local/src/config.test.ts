import { describe, expect, it } from 'vitest';
import { loadLocalConfig } from './config.js';

describe('loadLocalConfig', () => {
  it('has the documented defaults and keeps ingest on a free loopback port behind the gateway', () => {
    const s = loadLocalConfig({});
    expect(s.local).toMatchObject({ HOST: '127.0.0.1', PORT: 8080, DOCPIPE_DATA_DIR: './.docpipe', EMBEDDING_DIMENSIONS: 1536 });
    expect(s.ingest).toMatchObject({ HOST: '127.0.0.1', PORT: 0 });
    expect(s.gateway).toMatchObject({ HOST: '127.0.0.1', PORT: 8080 });
    expect(s.embedding.EMBEDDING_DIMENSIONS).toBe(1536);
  });

  it('gives HOST and PORT to the gateway only, and passes every other variable through', () => {
    const s = loadLocalConfig({ HOST: '0.0.0.0', PORT: '9000', MAX_UPLOAD_BYTES: '1234', CHUNK_MAX_TOKENS: '256', EMBEDDING_DIMENSIONS: '64', EMBEDDING_CONCURRENCY: '2' });
    expect(s.gateway).toMatchObject({ HOST: '0.0.0.0', PORT: 9000, MAX_UPLOAD_BYTES: 1234 });
    expect(s.ingest).toMatchObject({ HOST: '127.0.0.1', PORT: 0, MAX_UPLOAD_BYTES: 1234 });
    expect(s.docproc.CHUNK_MAX_TOKENS).toBe(256);
    expect(s.embedding).toMatchObject({ EMBEDDING_DIMENSIONS: 64, EMBEDDING_CONCURRENCY: 2 });
  });

  it('fails naming the bad variable, whichever service reads it', () => {
    expect(() => loadLocalConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadLocalConfig({ EMBEDDING_CONCURRENCY: '0' })).toThrow(/EMBEDDING_CONCURRENCY/);
    expect(() => loadLocalConfig({ CHUNK_OVERLAP_TOKENS: '600', CHUNK_MAX_TOKENS: '512' })).toThrow(/CHUNK_OVERLAP_TOKENS/);
  });
});
