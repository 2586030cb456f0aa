import { describe, expect, it } from 'vitest';
import { parseReportArgs, reportUsage, UsageError } from './args.js';

const defaults = { archive: '/d/archive/topics', output: '/d/reports', now: new Date('2025-01-06T08:00:00Z'), cwd: '/work' };

describe('parseReportArgs', () => {
  it('defaults to yesterday (UTC) and the data directory', () => {
    expect(parseReportArgs([], defaults)).toEqual({
      kind: 'run',
      options: { day: { year: 2025, month: 1, day: 5, iso: '2025-01-05' }, archive: '/d/archive/topics', output: '/d/reports' },
    });
  });

  it('takes --date, and resolves --archive/--output against the working directory', () => {
    const command = parseReportArgs(['--date', '2024-12-31', '--archive', 'arch', '--output=/abs/out'], defaults);
    expect(command).toEqual({ kind: 'run', options: { day: expect.objectContaining({ iso: '2024-12-31' }), archive: '/work/arch', output: '/abs/out' } });
  });

  it('answers --help and -h', () => {
    expect(parseReportArgs(['--help'], defaults)).toEqual({ kind: 'help' });
    expect(parseReportArgs(['-h', '--date', 'bad'], defaults)).toEqual({ kind: 'help' });
  });

  it.each([
    [['--date', '2025-02-30'], /calendar date/],
    [['--date'], /argument missing|--date/],
    [['--day', '2025-01-05'], /Unknown option/],
    [['extra'], /positional/],
    [['--output', ''], /--output must not be empty/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseReportArgs(argv, defaults)).toThrow(UsageError);
    expect(() => parseReportArgs(argv, defaults)).toThrow(message);
  });
});

describe('reportUsage', () => {
  it('shows the defaults and the variables', () => {
    const text = reportUsage(defaults);
    expect(text).toContain('/d/archive/topics');
    expect(text).toContain('DOCPIPE_DATA_DIR');
  });
});
