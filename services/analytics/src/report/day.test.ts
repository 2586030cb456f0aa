import { describe, expect, it } from 'vitest';
import { dayDirectory, InvalidDayError, parseDay, partitionDirectory, summaryLine, yesterdayUtc } from './day.js';

describe('parseDay', () => {
  it('reads a calendar day', () => {
    expect(parseDay('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29, iso: '2024-02-29' });
  });

  it.each(['2025-02-29', '2025-13-01', '2025-1-05', '20250105', '2025-01-05T00:00', '', 'yesterday'])('rejects %j', (text) => {
    expect(() => parseDay(text)).toThrow(InvalidDayError);
  });
});

describe('yesterdayUtc', () => {
  it('is the UTC day before, across a month and a year', () => {
    expect(yesterdayUtc(new Date('2025-01-01T00:30:00Z')).iso).toBe('2024-12-31');
    expect(yesterdayUtc(new Date('2025-03-01T23:59:59Z')).iso).toBe('2025-02-28');
  });
});

describe('paths', () => {
  it('follows the archive layout and the dt= partition', () => {
    const day = parseDay('2025-01-05');
    expect(dayDirectory('/data/topics', day)).toBe('/data/topics/embeddings.ready/year=2025/month=01/day=05');
    expect(partitionDirectory('/data/reports', day)).toBe('/data/reports/dt=2025-01-05');
  });
});

describe('summaryLine', () => {
  it('is the line the Spark job prints', () => {
    expect(summaryLine({ day: parseDay('2025-01-05'), rows: 3, malformed: 5 })).toBe('day=2025-01-05 rows=3 malformed=5');
  });
});
