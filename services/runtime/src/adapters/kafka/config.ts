import { z } from 'zod';
import { ConfigError } from '../../config.js';
import type { Logger } from '../../logging.js';
import type { KafkaSasl } from './client.js';
import type { KafkaEventBusOptions } from './options.js';

const BROKER_LIST = /^\s*[^\s,:]+:\d{1,5}\s*(,\s*[^\s,:]+:\d{1,5}\s*)*,?\s*$/;
const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * The Kafka adapter's environment. A fragment: services merge it with
 * `BaseConfig.extend(KafkaConfig.shape)`; cross-field rules (SASL needs its
 * credentials) are checked by kafkaOptionsFromConfig, since `.shape` drops refinements.
 */
export const KafkaConfig = z.object({
  /** Bootstrap servers, `host:port,host:port` (MSK: the TLS or IAM bootstrap string). */
  KAFKA_BROKERS: z.string().regex(BROKER_LIST, 'a comma-separated list of host:port'),
  KAFKA_CLIENT_ID: z.string().min(1).default('docpipe'),
  KAFKA_SSL: z.stringbool({ truthy: ['true'], falsy: ['false'] }).default(false),
  KAFKA_SASL_MECHANISM: z.enum(['none', 'scram-sha-256', 'scram-sha-512', 'aws-iam']).default('none'),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** Region of the MSK cluster, for IAM authentication. */
  AWS_REGION: z.string().min(1).optional(),
  KAFKA_COMPRESSION: z.enum(['none', 'gzip']).default('none'),
  KAFKA_SESSION_TIMEOUT_MS: ms(30_000),
  KAFKA_HEARTBEAT_INTERVAL_MS: ms(3_000),
  /** Long-poll wait of a fetch; short so rebalances and shutdowns are quick (docs/adr/0002). */
  KAFKA_MAX_WAIT_TIME_MS: ms(1_000),
  /** How often a failing send or admin call is retried before it rejects. */
  KAFKA_RETRIES: z.coerce.number().int().min(0).max(100).default(5),
});
export type KafkaConfig = z.infer<typeof KafkaConfig>;

/** Maps the parsed environment to the bus options; throws ConfigError naming what is missing. */
export function kafkaOptionsFromConfig(config: KafkaConfig, logger: Logger): KafkaEventBusOptions {
  const options: KafkaEventBusOptions = {
    brokers: parseBrokers(config.KAFKA_BROKERS),
    clientId: config.KAFKA_CLIENT_ID,
    ssl: config.KAFKA_SSL,
    logger,
    compression: config.KAFKA_COMPRESSION,
    retry: { retries: config.KAFKA_RETRIES },
    consumer: {
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: config.KAFKA_HEARTBEAT_INTERVAL_MS,
      maxWaitTimeMs: config.KAFKA_MAX_WAIT_TIME_MS,
    },
  };
  const sasl = saslFromConfig(config);
  if (sasl) options.sasl = sasl;
  if (config.KAFKA_HEARTBEAT_INTERVAL_MS * 3 > config.KAFKA_SESSION_TIMEOUT_MS) {
    throw new ConfigError(['KAFKA_HEARTBEAT_INTERVAL_MS: expected at most a third of KAFKA_SESSION_TIMEOUT_MS']);
  }
  return options;
}

/** `a:1, b:2,` → ['a:1', 'b:2']. */
export function parseBrokers(list: string): string[] {
  return list
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}

function saslFromConfig(config: KafkaConfig): KafkaSasl | undefined {
  const mechanism = config.KAFKA_SASL_MECHANISM;
  if (mechanism === 'none') return undefined;
  if (mechanism === 'aws-iam') {
    const problems: string[] = [];
    if (!config.AWS_REGION) problems.push('AWS_REGION: required when KAFKA_SASL_MECHANISM=aws-iam');
    // MSK serves IAM authentication only on its TLS listener (port 9098).
    if (!config.KAFKA_SSL) problems.push('KAFKA_SSL: expected true when KAFKA_SASL_MECHANISM=aws-iam');
    if (problems.length > 0) throw new ConfigError(problems);
    return { mechanism, region: config.AWS_REGION! };
  }
  const { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = config;
  if (!username || !password) {
    const missing = [!username && 'KAFKA_SASL_USERNAME', !password && 'KAFKA_SASL_PASSWORD'].filter(Boolean);
    throw new ConfigError(missing.map((name) => `${name}: required when KAFKA_SASL_MECHANISM=${mechanism}`));
  }
  return { mechanism, username, password };
}
