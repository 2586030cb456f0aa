import { describe, expect, it } from 'vitest';
import { createLogger } from '../../logging.js';
import { kafkaClientConfig, retryOptions } from './client.js';

const logger = createLogger({ name: 'test', level: 'warn', format: 'json' });
const base = { brokers: ['b-1:9092'], clientId: 'ingest', logger };

describe('kafkaClientConfig', () => {
  it('fills timeouts, a complete retry policy and our logger, without TLS or SASL by default', () => {
    const config = kafkaClientConfig(base);
    expect(config).toMatchObject({ brokers: ['b-1:9092'], clientId: 'ingest', connectionTimeout: 3000, requestTimeout: 30000 });
    expect(config.retry).toEqual({ retries: 5, initialRetryTime: 300, maxRetryTime: 30000, factor: 0.2, multiplier: 2 });
    expect(config.logLevel).toBe(2); // kafkajs WARN, from the pino level
    expect(typeof config.logCreator).toBe('function');
    expect(config.ssl).toBeUndefined();
    expect(config.sasl).toBeUndefined();
  });

  it('passes TLS options through and maps SCRAM', () => {
    const config = kafkaClientConfig({ ...base, ssl: { ca: ['PEM'] }, sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' } });
    expect(config.ssl).toEqual({ ca: ['PEM'] });
    expect(config.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'u', password: 'p' });
  });

  it('builds the MSK IAM mechanism (AWS_MSK_IAM with a signing authenticator)', () => {
    const config = kafkaClientConfig({ ...base, ssl: true, sasl: { mechanism: 'aws-iam', region: 'eu-central-1' } });
    expect(config.ssl).toBe(true);
    const sasl = config.sasl as { mechanism: string; authenticationProvider: unknown };
    expect(sasl.mechanism).toBe('AWS_MSK_IAM');
    expect(typeof sasl.authenticationProvider).toBe('function');
  });

  it('refuses an empty broker list', () => {
    expect(() => kafkaClientConfig({ ...base, brokers: [] })).toThrow('at least one broker');
  });
});

describe('retryOptions', () => {
  it('overrides only what is given', () => {
    expect(retryOptions({ retries: 1, maxRetryTimeMs: 1000 })).toEqual({ retries: 1, initialRetryTime: 300, maxRetryTime: 1000, factor: 0.2, multiplier: 2 });
  });
});
