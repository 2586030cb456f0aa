import { pino, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;

export interface LoggerOptions {
  name: string;
  level?: string;
  /** Default: pretty when stdout is a terminal, JSON otherwise. */
  format?: 'json' | 'pretty';
  /** Where to write (tests); stdout by default. */
  destination?: DestinationStream;
}

/** Paths whose values never reach a log line, whatever object carries them. */
export const REDACT_PATHS = [
  'password',
  'apiKey',
  'authorization',
  '*.password',
  '*.apiKey',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * Builds the process's one root logger; components take `logger.child({component})`.
 * JSON unless pretty output is asked for or stdout is a terminal.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const format = opts.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const options: pino.LoggerOptions = {
    name: opts.name,
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  // Synchronous writes and pino-pretty as an in-process stream (not a worker
  // transport): the last lines before process.exit() are never lost.
  const destination =
    format === 'pretty'
      ? pretty({ colorize: !opts.destination && process.stdout.isTTY, sync: true, destination: opts.destination ?? 1 })
      : (opts.destination ?? pino.destination({ dest: 1, sync: true }));
  return pino(options, destination);
}
