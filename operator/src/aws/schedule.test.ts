import { describe, expect, it } from 'vitest';
import { checkSchedule, coveredDay, daysBetween, firesBetween, nextFire } from './schedule.js';

describe('schedule', () => {
  it('fires at the local time across a DST change (Europe/Berlin, spring forward)', () => {
    const fires = firesBetween('0 6 * * *', 'Europe/Berlin', new Date('2025-03-28T12:00:00Z'), new Date('2025-03-31T12:00:00Z'));
    expect(fires.map((f) => f.toISOString())).toEqual(['2025-03-29T05:00:00.000Z', '2025-03-30T04:00:00.000Z', '2025-03-31T04:00:00.000Z']);
  });

  it('covers the day before the fire time in the schedule zone, not in UTC', () => {
    // 00:30 in Tokyo on 30 March is still 29 March in UTC.
    expect(coveredDay(new Date('2025-03-29T15:30:00Z'), 'Asia/Tokyo')).toBe('2025-03-29');
    expect(coveredDay(new Date('2025-03-29T15:30:00Z'), 'UTC')).toBe('2025-03-28');
    expect(coveredDay(new Date('2025-01-01T02:00:00Z'), 'UTC')).toBe('2024-12-31');
  });

  it('excludes the start and includes the end of the window', () => {
    const at2 = new Date('2025-06-10T02:00:00Z');
    expect(firesBetween('0 2 * * *', 'UTC', at2, at2)).toEqual([]);
    expect(firesBetween('0 2 * * *', 'UTC', new Date(at2.getTime() - 1), at2)).toEqual([at2]);
    expect(nextFire('0 2 * * *', 'UTC', at2).toISOString()).toBe('2025-06-11T02:00:00.000Z');
  });

  it('names a bad zone or cron expression', () => {
    expect(() => checkSchedule('0 2 * * *', 'Mars/Olympus')).toThrow(/unknown time zone "Mars\/Olympus"/);
    expect(() => checkSchedule('0 25 * * *', 'UTC')).toThrow(/invalid cron schedule/);
  });

  it('lists backfill days inclusively across month ends', () => {
    expect(daysBetween('2025-02-27', '2025-03-02')).toEqual(['2025-02-27', '2025-02-28', '2025-03-01', '2025-03-02']);
  });
});
