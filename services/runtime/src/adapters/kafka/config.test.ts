import { describe, expect, it } from 'vitest';
import { BaseConfig, ConfigError, parseConfig } from '../../config.js';
import { createLogger } from '../../logging.js';
import { KafkaConfig, kafkaOptionsFromConfig, parseBrokers } from './config.js';

const logger = createLogger({ name: 'test', level: 'silent', format: 'json' });
const ServiceConfig = BaseConfig.extend(KafkaConfig.shape);
const load = (env: Record<string, string>) => parseConfig(ServiceConfig, env);

describe('KafkaConfig', () => {
  it('has defaults for everything but the brokers', () => {
    const config = load({ KAFKA_BROKERS: 'b-1.msk:9092,b-2.msk:9092' });
    expect(config).toMatchObject({
      KAFKA_CLIENT_ID: 'docpipe',
      KAFKA_SSL: false,
      KAFKA_SASL_MECHANISM: 'none',
      KAFKA_COMPRESSION: 'none',
      KAFKA_MAX_WAIT_TIME_MS: 1000,
      KAFKA_RETRIES: 5,
    });
    const opts = kafkaOptionsFromConfig(config, logger);
    expect(opts).toMatchObject({ brokers: ['b-1.msk:9092', 'b-2.msk:9092'], clientId: 'docpipe', ssl: false, compression: 'none' });
    expect(opts.sasl).toBeUndefined();
    expect(opts.consumer).toEqual({ sessionTimeoutMs: 30_000, heartbeatIntervalMs: 3_000, maxWaitTimeMs: 1_000 });
  });

  it('names the variable when the broker list or a flag is malformed', () => {
    expect(() => load({})).toThrow(/KAFKA_BROKERS: expected .*not set/);
    expect(() => load({ KAFKA_BROKERS: 'localhost' })).toThrow('KAFKA_BROKERS: expected a comma-separated list of host:port, got "localhost"');
    expect(() => load({ KAFKA_BROKERS: 'a:1', KAFKA_SSL: 'yes' })).toThrow(/KAFKA_SSL/);
    expect(() => load({ KAFKA_BROKERS: 'a:1', KAFKA_SASL_MECHANISM: 'plain' })).toThrow(/KAFKA_SASL_MECHANISM: expected one of none\|scram-sha-256/);
  });

  it('maps SCRAM with its credentials and TLS', () => {
    const config = load({
      KAFKA_BROKERS: 'b-1:9096',
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'docpipe',
      KAFKA_SASL_PASSWORD: 's3cret',
    });
    expect(kafkaOptionsFromConfig(config, logger)).toMatchObject({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'docpipe', password: 's3cret' },
    });
  });

  it('refuses SCRAM without credentials, naming both variables', () => {
    const config = load({ KAFKA_BROKERS: 'b:9096', KAFKA_SASL_MECHANISM: 'scram-sha-256' });
    expect(() => kafkaOptionsFromConfig(config, logger)).toThrow(ConfigError);
    expect(() => kafkaOptionsFromConfig(config, logger)).toThrow(/KAFKA_SASL_USERNAME.*KAFKA_SASL_PASSWORD/);
  });

  it('maps MSK IAM with its region, and refuses it without region or TLS', () => {
    const ok = load({ KAFKA_BROKERS: 'b-1:9098', KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'aws-iam', AWS_REGION: 'eu-west-1' });
    expect(kafkaOptionsFromConfig(ok, logger).sasl).toEqual({ mechanism: 'aws-iam', region: 'eu-west-1' });
    const bad = load({ KAFKA_BROKERS: 'b-1:9098', KAFKA_SASL_MECHANISM: 'aws-iam' });
    expect(() => kafkaOptionsFromConfig(bad, logger)).toThrow(/AWS_REGION: required.*KAFKA_SSL: expected true/);
  });

  it('refuses a heartbeat interval above a third of the session timeout', () => {
    const config = load({ KAFKA_BROKERS: 'a:1', KAFKA_SESSION_TIMEOUT_MS: '6000', KAFKA_HEARTBEAT_INTERVAL_MS: '3000' });
    expect(() => kafkaOptionsFromConfig(config, logger)).toThrow(/KAFKA_HEARTBEAT_INTERVAL_MS/);
  });
});

describe('parseBrokers', () => {
  it('splits, trims and drops empty entries', () => {
    expect(parseBrokers(' a:1 , b:2,')).toEqual(['a:1', 'b:2']);
    expect(parseBrokers('')).toEqual([]);
  });
});
