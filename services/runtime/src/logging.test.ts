import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logging.js';

function sink(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

describe('createLogger', () => {
  it('writes JSON lines with name, level and fields', () => {
    const out = sink();
    const logger = createLogger({ name: 'ingest', level: 'debug', format: 'json', destination: out.stream });
    logger.child({ component: 'relay' }).debug({ relayed: 3 }, 'outbox relayed');
    const line = JSON.parse(out.lines()[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ name: 'ingest', component: 'relay', relayed: 3, msg: 'outbox relayed', level: 20 });
  });

  it('respects the level', () => {
    const out = sink();
    const logger = createLogger({ name: 'x', level: 'warn', format: 'json', destination: out.stream });
    logger.info('hidden');
    logger.warn('shown');
    expect(out.lines()).toHaveLength(1);
  });

  it('redacts secrets', () => {
    const out = sink();
    const logger = createLogger({ name: 'x', format: 'json', destination: out.stream });
    logger.info(
      { db: { password: 'hunter2' }, openai: { apiKey: 'sk-1' }, headers: { authorization: 'Bearer t' }, password: 'p' },
      'connecting',
    );
    const text = out.lines()[0]!;
    expect(text).not.toMatch(/hunter2|sk-1|Bearer t|"p"/);
    expect(JSON.parse(text)).toMatchObject({ db: { password: '[redacted]' }, headers: { authorization: '[redacted]' } });
  });

  it('pretty-prints when asked', () => {
    const out = sink();
    const logger = createLogger({ name: 'x', format: 'pretty', destination: out.stream });
    logger.info({ n: 1 }, 'hello there');
    const text = out.lines().join('\n');
    expect(text).toContain('hello there');
    expect(() => JSON.parse(out.lines()[0]!)).toThrow();
  });
});
