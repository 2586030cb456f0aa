import { CronExpressionParser } from 'cron-parser';

/** A schedule that cannot be used (reported, not retried). */
export class ScheduleError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ScheduleError';
  }
}

/** Most fire times one call looks at: a bound on a too-frequent cron over a long window. */
const MAX_FIRES = 1000;

function checkZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch (err) {
    throw new ScheduleError(`unknown time zone ${JSON.stringify(timeZone)} (an IANA name like Europe/Berlin)`, { cause: err });
  }
}

function parse(schedule: string, timeZone: string, currentDate: Date) {
  checkZone(timeZone);
  try {
    return CronExpressionParser.parse(schedule, { currentDate, tz: timeZone });
  } catch (err) {
    throw new ScheduleError(`invalid cron schedule ${JSON.stringify(schedule)}: ${(err as Error).message}`, { cause: err });
  }
}

/** Validates a five-field cron schedule and an IANA zone; throws ScheduleError. */
export function checkSchedule(schedule: string, timeZone: string): void {
  parse(schedule, timeZone, new Date(0));
}

/** The fire times of `schedule` in `timeZone` after `from` and at or before `to`, oldest first. */
export function firesBetween(schedule: string, timeZone: string, from: Date, to: Date): Date[] {
  const expr = parse(schedule, timeZone, from);
  const fires: Date[] = [];
  while (fires.length < MAX_FIRES) {
    const next = expr.next().toDate();
    if (next.getTime() > to.getTime()) break;
    fires.push(next);
  }
  return fires;
}

/** The first fire time after `after`. */
export function nextFire(schedule: string, timeZone: string, after: Date): Date {
  return parse(schedule, timeZone, after).next().toDate();
}

/** The calendar date of `instant` in `timeZone`, YYYY-MM-DD. */
export function localDate(instant: Date, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** `day` plus `n` days (calendar arithmetic, no time zone involved). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The day a run fired at `fire` covers: the day before the fire's local date in the schedule's zone. */
export function coveredDay(fire: Date, timeZone: string): string {
  return addDays(localDate(fire, timeZone), -1);
}

/** Every day from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = from; d <= to && days.length < 3660; d = addDays(d, 1)) days.push(d);
  return days;
}
