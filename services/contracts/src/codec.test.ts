import { describe, expect, it } from 'vitest';
import { decode, encode, Headers, SCHEMA_VERSION, SchemaError } from './codec.js';
import { chunkId } from './ids.js';
import type { ChunkProcessed, DocumentRaw } from './payloads.js';
import { Topics } from './topics.js';

const documentId = '7f0c2a52-3f5e-4a8e-9d0e-2b1c0d5e6f70';

const raw: DocumentRaw = {
  document_id: documentId,
  company_id: 'acme-eu',
  s3_path: `s3://bucket/acme-eu/${documentId}/report.pdf`,
  filename: 'report.pdf',
  content_type: 'application/pdf',
  size_bytes: 1234,
  sha256: 'a'.repeat(64),
  uploaded_at: 1_700_000_000_000,
};

const chunk: ChunkProcessed = {
  chunk_id: chunkId(documentId, 0),
  document_id: documentId,
  company_id: 'acme-eu',
  text: 'hello',
  page: 1,
  chunk_index: 0,
  chunk_count: 2,
  token_count: 1,
};

describe('encode', () => {
  it('keys by the topic key field and sets the schema-version header', () => {
    const msg = encode(Topics.documentsRaw, raw);
    expect(msg.key).toBe(documentId);
    expect(msg.headers[Headers.schemaVersion]).toBe(SCHEMA_VERSION);
    expect(msg.headers[Headers.traceparent]).toBeUndefined();
    expect(JSON.parse(msg.value.toString('utf8'))).toEqual(raw);
  });

  it('keys analytics windows by company', () => {
    const msg = encode(Topics.analyticsFlink, { timestamp: 0, window_end: 60_000, company_id: 'acme', count: 3 });
    expect(msg.key).toBe('acme');
  });

  it('carries traceparent when given', () => {
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(encode(Topics.documentsRaw, raw, { traceparent: tp }).headers[Headers.traceparent]).toBe(tp);
  });

  it('refuses to send an invalid payload and names the field', () => {
    expect(() => encode(Topics.chunksProcessed, { ...chunk, chunk_index: 2 })).toThrow(SchemaError);
    expect(() => encode(Topics.chunksProcessed, { ...chunk, chunk_index: 2 })).toThrow(/chunk_index/);
    expect(() => encode(Topics.documentsRaw, { ...raw, company_id: '.hidden' })).toThrow(/company_id/);
  });
});

describe('decode', () => {
  it('round-trips what encode produced', () => {
    const out = decode(Topics.chunksProcessed, encode(Topics.chunksProcessed, chunk).value);
    expect(out).toEqual({ ok: true, value: chunk });
  });

  it('reports invalid JSON without throwing', () => {
    const out = decode(Topics.documentsRaw, Buffer.from('{nope'));
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error).toMatch(/not valid JSON/);
      expect(out.partial).toEqual({ document_id: null, company_id: null });
    }
  });

  it('treats a null value (tombstone) as poison', () => {
    expect(decode(Topics.documentsRaw, null).ok).toBe(false);
  });

  it('salvages the ids of a message with the wrong schema', () => {
    const out = decode(Topics.chunksProcessed, JSON.stringify({ document_id: documentId, company_id: 'acme', text: '' }));
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.partial).toEqual({ document_id: documentId, company_id: 'acme' });
      expect(out.error).toMatch(/text/);
      expect(out.error).toMatch(/chunk_id/);
    }
  });

  it('ignores fields added by a newer producer', () => {
    const out = decode(Topics.documentsRaw, JSON.stringify({ ...raw, added_later: true }));
    expect(out).toEqual({ ok: true, value: raw });
  });
});
