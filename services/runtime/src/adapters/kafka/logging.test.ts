import { Writable } from 'node:stream';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../logging.js';
import { kafkaLogLevel, pinoLogCreator, pinoMethodFor } from './logging.js';

const { logLevel } = kafkajs;

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ name: 'test', level, format: 'json', destination }) };
}

describe('kafkajs log routing', () => {
  it('maps pino levels to kafkajs levels and back', () => {
    expect([kafkaLogLevel('silent'), kafkaLogLevel('fatal'), kafkaLogLevel('error'), kafkaLogLevel('warn'), kafkaLogLevel('info'), kafkaLogLevel('debug'), kafkaLogLevel('trace')]).toEqual([
      logLevel.NOTHING,
      logLevel.ERROR,
      logLevel.ERROR,
      logLevel.WARN,
      logLevel.INFO,
      logLevel.DEBUG,
      logLevel.DEBUG,
    ]);
    expect([logLevel.ERROR, logLevel.WARN, logLevel.INFO, logLevel.DEBUG].map(pinoMethodFor)).toEqual(['error', 'warn', 'info', 'debug']);
  });

  it('writes kafkajs entries as pino lines: message, namespace and fields, at the mapped level', async () => {
    const { lines, logger } = capture('info');
    const log = pinoLogCreator(logger)(logLevel.INFO);
    log({ namespace: 'Consumer', level: logLevel.ERROR, label: 'ERROR', log: { timestamp: 't', logger: 'kafkajs', message: 'Crash: boom', groupId: 'g' } });
    log({ namespace: 'Runner', level: logLevel.DEBUG, label: 'DEBUG', log: { timestamp: 't', message: 'below the level' } });
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, msg: 'Crash: boom', kafkajs: 'Consumer', groupId: 'g' });
    expect(lines[0]).not.toHaveProperty('timestamp');
  });
});
