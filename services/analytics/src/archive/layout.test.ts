import { describe, expect, it } from 'vitest';
import { archiveLine, committedFileName, committedFilePath, hourPath, parseCommittedFileName } from './layout.js';

describe('archive layout', () => {
  it('puts a record in the UTC hour of its timestamp', () => {
    expect(hourPath(Date.parse('2024-03-10T09:59:59.999Z'))).toBe('year=2024/month=03/day=10/hour=09');
    expect(hourPath(Date.parse('2024-03-10T10:00:00.000Z'))).toBe('year=2024/month=03/day=10/hour=10');
    expect(hourPath(Date.parse('2024-12-31T23:30:00.000+01:00'))).toBe('year=2024/month=12/day=31/hour=22');
  });

  it('names files with zero-padded inclusive offsets', () => {
    expect(committedFileName('embeddings.ready', 2, 0n, 12_345n)).toBe('embeddings.ready+2+0000000000+0000012345.json');
    expect(committedFilePath('documents.raw', 0, { start: 5n, end: 9n, timestamp: Date.parse('2025-01-05T00:00:00Z') })).toBe(
      'documents.raw/year=2025/month=01/day=05/hour=00/documents.raw+0+0000000005+0000000009.json',
    );
  });

  it('reads back only its own topic’s committed names', () => {
    expect(parseCommittedFileName('a.b', 'a.b+3+0000000007+0000000010.json')).toEqual({ partition: 3, start: 7n, end: 10n });
    expect(parseCommittedFileName('a.b', 'a.bc+3+0000000007+0000000010.json')).toBeUndefined();
    expect(parseCommittedFileName('a.b', '_a.b+3+0000000007+0000000010.json.1f_tmp')).toBeUndefined();
    expect(parseCommittedFileName('a.b', '.a.b+3+0000000007+0000000010.json.1.2.tmp')).toBeUndefined();
  });

  it('keeps every value on one line, bytes unchanged otherwise', () => {
    expect(archiveLine(Buffer.from('{"a":"x\\ny"}'))).toBe('{"a":"x\\ny"}');
    expect(archiveLine(Buffer.from('not json\nsecond\r\nthird'))).toBe('not json\\nsecond\\r\\nthird');
    expect(archiveLine(null)).toBe('null');
  });
});
