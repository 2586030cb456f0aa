import { join } from 'node:path';
import { Topics } from '@docpipe/contracts';

/** A calendar day in UTC, as the daily report and the Spark job name it. */
export interface ReportDay {
  year: number;
  month: number;
  day: number;
  /** YYYY-MM-DD */
  iso: string;
}

/** What one run found: rows written to the partition and lines skipped as malformed. */
export interface DayResult {
  day: ReportDay;
  rows: number;
  malformed: number;
}

/** Thrown for a date that is not a real YYYY-MM-DD calendar day. */
export class InvalidDayError extends Error {
  constructor(readonly input: string) {
    super(`--date must be a calendar date YYYY-MM-DD, got ${JSON.stringify(input)}`);
    this.name = 'InvalidDayError';
  }
}

/** Parses YYYY-MM-DD, rejecting impossible days such as 2025-02-30. */
export function parseDay(text: string): ReportDay {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) throw new InvalidDayError(text);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2025-02-30 over to March: a changed field means the day does not exist.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new InvalidDayError(text);
  }
  return { year, month, day, iso: text };
}

/** The default day: yesterday in UTC, whatever the machine's zone. */
export function yesterdayUtc(now: Date): ReportDay {
  const yesterday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1));
  return parseDay(yesterday.toISOString().slice(0, 10));
}

/** `<archive>/embeddings.ready/year=YYYY/month=MM/day=dd`: the directory holding the day's hour=HH directories. */
export function dayDirectory(archive: string, day: ReportDay): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return join(archive, Topics.embeddingsReady, `year=${String(day.year).padStart(4, '0')}`, `month=${pad(day.month)}`, `day=${pad(day.day)}`);
}

/** `<output>/dt=YYYY-MM-DD`: the partition a run replaces. */
export function partitionDirectory(output: string, day: ReportDay): string {
  return join(output, `dt=${day.iso}`);
}

/** The one summary line the Spark job prints too. */
export function summaryLine(result: DayResult): string {
  return `day=${result.day.iso} rows=${result.rows} malformed=${result.malformed}`;
}
