import kafkajs from 'kafkajs';
import type { LogEntry, logCreator, logLevel } from 'kafkajs';
import type { Logger } from '../../logging.js';

const { logLevel: KafkaLogLevel } = kafkajs;

type PinoMethod = 'error' | 'warn' | 'info' | 'debug';

/** kafkajs's level for a pino level, so kafkajs does not even format what pino would drop. */
export function kafkaLogLevel(pinoLevel: string): logLevel {
  switch (pinoLevel) {
    case 'silent':
      return KafkaLogLevel.NOTHING;
    case 'fatal':
    case 'error':
      return KafkaLogLevel.ERROR;
    case 'warn':
      return KafkaLogLevel.WARN;
    case 'info':
      return KafkaLogLevel.INFO;
    default:
      return KafkaLogLevel.DEBUG;
  }
}

/** The pino method for a kafkajs level. */
export function pinoMethodFor(level: logLevel): PinoMethod {
  if (level <= KafkaLogLevel.ERROR) return 'error';
  if (level === KafkaLogLevel.WARN) return 'warn';
  if (level === KafkaLogLevel.INFO) return 'info';
  return 'debug';
}

/**
 * A kafkajs logCreator that writes into our pino logger: the message as the
 * log message, kafkajs's namespace and extra fields as data (its own
 * timestamp and logger name are dropped: pino has both).
 */
export function pinoLogCreator(logger: Logger): logCreator {
  return () => (entry: LogEntry) => {
    const { message, timestamp: _timestamp, logger: _name, ...fields } = entry.log;
    logger[pinoMethodFor(entry.level)]({ kafkajs: entry.namespace, ...fields }, String(message));
  };
}
