// The daily report's command line, as a function of its inputs (report-cli.ts runs it).
import { ConfigError, createLogger } from '@docpipe/runtime';
import { parseReportArgs, reportUsage, UsageError } from './args.js';
import { defaultReportDirs, loadReportConfig } from './config.js';
import { summaryLine } from './day.js';
import { runReport } from './report.js';

/** What the CLI touches of its process; tests inject their own. */
export interface ReportCliIo {
  argv: string[];
  /** Unset: the process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd: string;
  now: Date;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Where logs go: stderr, so stdout carries only the summary line. */
  logs: NodeJS.WritableStream;
}

/** Runs the report CLI and returns its exit code: 0 done, 2 bad arguments or environment, 1 failed. */
export async function reportCli(io: ReportCliIo): Promise<number> {
  let config;
  try {
    config = loadReportConfig(io.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr(`docpipe-report: invalid environment:\n${err.problems.map((p) => `  ${p}\n`).join('')}`);
    return 2;
  }
  const defaults = { ...defaultReportDirs(config, io.cwd), now: io.now, cwd: io.cwd };
  let command;
  try {
    command = parseReportArgs(io.argv, defaults);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`docpipe-report: ${err.message}\nRun with --help for usage.\n`);
    return 2;
  }
  if (command.kind === 'help') {
    io.stdout(reportUsage(defaults));
    return 0;
  }
  const logger = createLogger({ name: 'docpipe-report', level: config.LOG_LEVEL, format: config.LOG_FORMAT ?? 'json', destination: io.logs });
  try {
    const result = await runReport(command.options, logger);
    io.stdout(`${summaryLine(result)}\n`);
    return 0;
  } catch (err) {
    logger.error({ err, day: command.options.day.iso }, 'report failed');
    return 1;
  }
}
