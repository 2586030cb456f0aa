import { describe, expect, it } from 'vitest';
import { BaseConfig, ConfigError, parseConfig } from '../../config.js';
import { PostgresConfig, postgresOptions } from './config.js';
import { createPgClient, sslOptions } from './pg-client.js';

const schema = BaseConfig.extend(PostgresConfig.shape);

describe('PostgresConfig', () => {
  it('applies the defaults and maps to repository options', () => {
    const config = parseConfig(schema, { DATABASE_URL: 'postgres://app@db.internal:5432/docpipe' });
    expect(postgresOptions(config)).toEqual({ connectionString: 'postgres://app@db.internal:5432/docpipe', max: 10, ssl: 'none' });
  });

  it('reads the pool size and TLS mode', () => {
    const config = parseConfig(schema, { DATABASE_URL: 'postgresql://h/d', DATABASE_POOL_MAX: '25', DATABASE_SSL: 'verify-full' });
    expect(postgresOptions(config)).toMatchObject({ max: 25, ssl: 'verify-full' });
  });

  it('names every bad variable', () => {
    const bad = () => parseConfig(schema, { DATABASE_URL: 'mysql://h/d', DATABASE_POOL_MAX: '0', DATABASE_SSL: 'prefer' });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (err) {
      const names = (err as ConfigError).problems.map((p) => p.split(':')[0]).sort();
      expect(names).toEqual(['DATABASE_POOL_MAX', 'DATABASE_SSL', 'DATABASE_URL']);
      expect((err as ConfigError).problems.join(' ')).toContain('one of none|require|verify-full');
    }
  });

  it('requires DATABASE_URL', () => {
    expect(() => parseConfig(schema, {})).toThrow(/DATABASE_URL: .*not set/);
  });
});

describe('sslOptions', () => {
  it('maps none to plain TCP, require to unverified TLS, verify-full to verified TLS with optional CAs', () => {
    expect(sslOptions()).toBe(false);
    expect(sslOptions('none')).toBe(false);
    expect(sslOptions('require')).toEqual({ rejectUnauthorized: false });
    expect(sslOptions('verify-full')).toEqual({ rejectUnauthorized: true });
    expect(sslOptions('verify-full', 'PEM')).toEqual({ rejectUnauthorized: true, ca: 'PEM' });
  });
});

describe('createPgClient', () => {
  it('connects lazily and closes once, however often close is called', async () => {
    // Port 9 (discard) on loopback: nothing is contacted as long as no query runs.
    const client = createPgClient({ connectionString: 'postgres://nobody@127.0.0.1:9/none' });
    await expect(Promise.all([client.close(), client.close()])).resolves.toEqual([undefined, undefined]);
    await expect(client.query('SELECT 1', [])).rejects.toThrow(/after calling end/);
  });
});
