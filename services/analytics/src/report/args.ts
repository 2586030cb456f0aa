import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPORT_HELP } from './config.js';
import { parseDay, yesterdayUtc, type ReportDay } from './day.js';
import type { ReportOptions } from './report.js';

/** A bad command line: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What the command line asks for. */
export type ReportCommand = { kind: 'help' } | { kind: 'run'; options: ReportOptions };

/** What the command line falls back on. */
export interface ReportDefaults {
  archive: string;
  output: string;
  now: Date;
  cwd: string;
}

/** The --help text. */
export function reportUsage(defaults: Pick<ReportDefaults, 'archive' | 'output'>): string {
  return [
    'docpipe-report — the daily report of local mode (the Spark job\'s stand-in): distinct chunks per',
    '(document_id, company_id) of one day of embeddings.ready, as Parquet in <output>/dt=YYYY-MM-DD/.',
    '',
    'Usage: npm run report -- [--date YYYY-MM-DD] [--archive DIR] [--output DIR]',
    '',
    '  --date YYYY-MM-DD  the day, UTC (default: yesterday, UTC)',
    `  --archive DIR      the archive's topics directory (default: ${defaults.archive})`,
    `  --output DIR       the report's root directory (default: ${defaults.output})`,
    '  -h, --help         this text',
    '',
    'Prints one line on stdout: day=YYYY-MM-DD rows=N malformed=M. Logs go to stderr.',
    '',
    'Environment:',
    ...Object.entries(REPORT_HELP).map(([name, help]) => `  ${name.padEnd(17)} ${help}`),
    '',
  ].join('\n');
}

/** Parses the report's arguments; throws UsageError for anything it does not understand. */
export function parseReportArgs(argv: readonly string[], defaults: ReportDefaults): ReportCommand {
  const values = parseOrThrow(argv);
  if (values.help) return { kind: 'help' };
  const day = parseDayArg(values.date, defaults.now);
  return {
    kind: 'run',
    options: {
      day,
      archive: resolve(defaults.cwd, nonEmpty('--archive', values.archive) ?? defaults.archive),
      output: resolve(defaults.cwd, nonEmpty('--output', values.output) ?? defaults.output),
    },
  };
}

function parseOrThrow(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        date: { type: 'string' },
        archive: { type: 'string' },
        output: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function parseDayArg(text: string | undefined, now: Date): ReportDay {
  if (text === undefined) return yesterdayUtc(now);
  try {
    return parseDay(text);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value === '') throw new UsageError(`${flag} must not be empty`);
  return value;
}
