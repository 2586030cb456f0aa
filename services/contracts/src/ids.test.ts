import { describe, expect, it } from 'vitest';
import { chunkId, CompanyId, objectKey, parseS3Path } from './ids.js';

describe('chunkId', () => {
  const doc = '7f0c2a52-3f5e-4a8e-9d0e-2b1c0d5e6f70';

  it('is deterministic and differs by index and document', () => {
    expect(chunkId(doc, 3)).toBe(chunkId(doc, 3));
    expect(chunkId(doc, 3)).not.toBe(chunkId(doc, 4));
    expect(chunkId(doc, 3)).not.toBe(chunkId('0e0c2a52-3f5e-4a8e-9d0e-2b1c0d5e6f70', 3));
    expect(chunkId(doc, 0)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('rejects negative and fractional indexes', () => {
    expect(() => chunkId(doc, -1)).toThrow(RangeError);
    expect(() => chunkId(doc, 1.5)).toThrow(RangeError);
  });
});

describe('CompanyId', () => {
  it.each(['default-company-uuid', '3b241101-e2bb-4255-8caf-4136c566a962', 'acme-eu', 'a', 'A.b_c-1', 'x'.repeat(64)])(
    'accepts %s',
    (id) => expect(CompanyId.safeParse(id).success).toBe(true),
  );

  it.each(['', '.hidden', 'a/b', 'a b', '../x', 'x'.repeat(65), 'é', 'a\n'])('rejects %j', (id) =>
    expect(CompanyId.safeParse(id).success).toBe(false),
  );
});

describe('object keys and s3 paths', () => {
  it('builds {company}/{document}/{file} and parses it back', () => {
    const key = objectKey('acme', 'doc-1', 'report.pdf');
    expect(key).toBe('acme/doc-1/report.pdf');
    expect(parseS3Path(`s3://bucket/${key}`)).toEqual({ bucket: 'bucket', key });
  });

  it('rejects what is not an s3 path', () => {
    expect(() => parseS3Path('file:///etc/passwd')).toThrow(/not an s3/);
    expect(() => parseS3Path('s3://bucket-only')).toThrow(/not an s3/);
  });
});
