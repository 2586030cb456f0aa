import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConfig, ConfigError, parseConfig } from './config.js';

const Schema = BaseConfig.extend({
  CHUNK_MAX_TOKENS: z.coerce.number().int().min(16).default(512),
  RATIO: z.coerce.number().min(0).max(1).default(0.5),
  DATABASE_URL: z.string().url(),
});

describe('parseConfig', () => {
  it('applies defaults and coerces numbers', () => {
    const cfg = parseConfig(Schema, { DATABASE_URL: 'postgres://db/x', RATIO: '0.25' });
    expect(cfg).toEqual({ LOG_LEVEL: 'info', CHUNK_MAX_TOKENS: 512, RATIO: 0.25, DATABASE_URL: 'postgres://db/x' });
    expect(cfg.LOG_FORMAT).toBeUndefined();
  });

  it('treats empty variables as unset', () => {
    const cfg = parseConfig(Schema, { DATABASE_URL: 'postgres://db/x', CHUNK_MAX_TOKENS: '', LOG_LEVEL: '' });
    expect(cfg.CHUNK_MAX_TOKENS).toBe(512);
    expect(cfg.LOG_LEVEL).toBe('info');
  });

  it('names every bad variable, what it expects and what it got', () => {
    let error: unknown;
    try {
      parseConfig(Schema, { CHUNK_MAX_TOKENS: 'abc', LOG_LEVEL: 'loud', RATIO: '2' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('invalid configuration: ');
    expect(message).toContain('CHUNK_MAX_TOKENS: expected integer ≥ 16, got "abc"');
    expect(message).toContain('LOG_LEVEL: expected one of fatal|error|warn|info|debug|trace|silent, got "loud"');
    expect(message).toContain('RATIO: expected number ≥ 0 ≤ 1, got "2"');
    expect(message).toContain('DATABASE_URL: expected string, not set');
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it('says > and < for exclusive bounds (.positive(), .lt())', () => {
    const Bounds = z.object({ CONCURRENCY: z.coerce.number().int().positive(), SHARE: z.coerce.number().gte(0).lt(1) });
    expect(() => parseConfig(Bounds, { CONCURRENCY: '0', SHARE: '0.5' })).toThrow('CONCURRENCY: expected integer > 0, got "0"');
    expect(() => parseConfig(Bounds, { CONCURRENCY: '1', SHARE: '1' })).toThrow('SHARE: expected number ≥ 0 < 1, got "1"');
  });

  it('rejects an unknown LOG_FORMAT', () => {
    expect(() => parseConfig(BaseConfig, { LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT: expected one of json\|pretty, got "xml"/);
  });
});
