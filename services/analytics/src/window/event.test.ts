import { describe, expect, it } from 'vitest';
import { parseWindowEvent } from './event.js';

const good = { chunk_id: 'c1', company_id: 'acme', embedded_at: 1_704_067_200_000, vector: [1] };
const parse = (v: unknown) => parseWindowEvent(JSON.stringify(v));

describe('parseWindowEvent', () => {
  it('reads chunk_id, company_id and embedded_at from a value, ignoring the rest', () => {
    expect(parseWindowEvent(Buffer.from(JSON.stringify(good)))).toEqual({
      ok: true,
      event: { chunkId: 'c1', companyId: 'acme', eventTime: 1_704_067_200_000 },
    });
    expect(parse({ ...good, vector: 'not checked here' }).ok).toBe(true);
  });

  it('reads any JSON value as text and integer text as a time, as the Flink job does', () => {
    expect(parse({ ...good, chunk_id: 42, embedded_at: '1704067200000' })).toEqual({
      ok: true,
      event: { chunkId: '42', companyId: 'acme', eventTime: 1_704_067_200_000 },
    });
    expect(parse({ ...good, chunk_id: { a: [1, 'x'] } })).toMatchObject({ ok: true, event: { chunkId: '{"a":[1,"x"]}' } });
  });

  it.each([
    ['not JSON', 'nope', /not JSON/],
    ['a tombstone', null, /not JSON/],
    ['a JSON array', '[1,2]', /not a JSON object/],
    ['a JSON string', '"x"', /not a JSON object/],
    ['no chunk_id', JSON.stringify({ ...good, chunk_id: undefined }), /chunk_id/],
    ['a null chunk_id', JSON.stringify({ ...good, chunk_id: null }), /chunk_id/],
    ['an empty company_id', JSON.stringify({ ...good, company_id: '' }), /company_id/],
    ['no embedded_at', JSON.stringify({ ...good, embedded_at: undefined }), /embedded_at/],
    ['a word for embedded_at', JSON.stringify({ ...good, embedded_at: 'soon' }), /embedded_at/],
    ['a fraction for embedded_at', JSON.stringify({ ...good, embedded_at: 1.5 }), /embedded_at/],
    ['a negative embedded_at', JSON.stringify({ ...good, embedded_at: -1 }), /embedded_at/],
  ])('skips %s', (_name, value, reason) => {
    const parsed = parseWindowEvent(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});
