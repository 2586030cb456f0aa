import { describe, expect, it } from 'vitest';
import { InvalidCursorError, decodeCursor, encodeCursor } from './cursor.js';

const id = '0b9c5a4e-3f1d-4c2b-9a8e-7d6f5e4c3b2a';

describe('page cursor', () => {
  it('round-trips created_at micros and id through an opaque base64url string', () => {
    const cursor = { createdAtMicros: '1700000000123456', id };
    const opaque = encodeCursor(cursor);
    expect(opaque).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(opaque)).toEqual(cursor);
  });

  it.each([
    ['not base64url', 'a+b/c='],
    ['no separator', Buffer.from('1700000000123456').toString('base64url')],
    ['id not a uuid', Buffer.from('1700000000123456.nope').toString('base64url')],
    ['time not a number', Buffer.from(`yesterday.${id}`).toString('base64url')],
    ['extra part', Buffer.from(`1.${id}.x`).toString('base64url')],
    ['SQL in the time', Buffer.from(`1;drop table documents.${id}`).toString('base64url')],
  ])('rejects a malformed cursor (%s)', (_name, opaque) => {
    expect(() => decodeCursor(opaque)).toThrow(InvalidCursorError);
  });
});
