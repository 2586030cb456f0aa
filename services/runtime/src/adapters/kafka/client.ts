import type { ConnectionOptions } from 'node:tls';
import { createMechanism } from '@jm18457/kafkajs-msk-iam-authentication-mechanism';
import kafkajs from 'kafkajs';
import type { Kafka, KafkaConfig as KafkaJsConfig, Mechanism, RetryOptions, SASLOptions } from 'kafkajs';
import type { Logger } from '../../logging.js';
import { kafkaLogLevel, pinoLogCreator } from './logging.js';

/** SASL as our configuration names it; the client library's shapes stay in this folder. */
export type KafkaSasl =
  | { mechanism: 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }
  /** Amazon MSK IAM: credentials come from the AWS default provider chain (IRSA on EKS). */
  | { mechanism: 'aws-iam'; region: string };

/** Retries of one client operation (connect, send, admin request) before it rejects. */
export interface KafkaRetry {
  retries: number;
  initialRetryTimeMs: number;
  maxRetryTimeMs: number;
}

/** How to reach the cluster: shared by the event bus and ensureTopics. */
export interface KafkaConnectionOptions {
  brokers: string[];
  clientId: string;
  /** `true` for TLS with the system CAs (MSK), or node:tls options (own CA, client certificate). */
  ssl?: boolean | ConnectionOptions;
  sasl?: KafkaSasl;
  logger: Logger;
  /** TCP connect timeout per broker (default 3000 ms). */
  connectionTimeoutMs?: number;
  /** Per-request timeout (default 30000 ms). */
  requestTimeoutMs?: number;
  /** Default: 5 retries from 300 ms, doubling, capped at 30 s — kafkajs's production defaults. */
  retry?: Partial<KafkaRetry>;
}

export const DEFAULT_RETRY: KafkaRetry = { retries: 5, initialRetryTimeMs: 300, maxRetryTimeMs: 30_000 };

/**
 * kafkajs retry options, always complete: kafkajs silently swaps in tiny
 * test defaults when NODE_ENV=test, and tests should see production pacing.
 */
export function retryOptions(retry: Partial<KafkaRetry> = {}): RetryOptions {
  const r = { ...DEFAULT_RETRY, ...retry };
  return { retries: r.retries, initialRetryTime: r.initialRetryTimeMs, maxRetryTime: r.maxRetryTimeMs, factor: 0.2, multiplier: 2 };
}

/** The kafkajs SASL options for ours. */
export function saslOptions(sasl: KafkaSasl): SASLOptions | Mechanism {
  switch (sasl.mechanism) {
    case 'aws-iam':
      return createMechanism({ region: sasl.region });
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
  }
}

/** The kafkajs client configuration for our options (pure: nothing connects). */
export function kafkaClientConfig(opts: KafkaConnectionOptions): KafkaJsConfig {
  if (opts.brokers.length === 0) throw new Error('kafka: name at least one broker');
  const logger = opts.logger.child({ component: 'kafkajs' });
  const config: KafkaJsConfig = {
    brokers: [...opts.brokers],
    clientId: opts.clientId,
    connectionTimeout: opts.connectionTimeoutMs ?? 3_000,
    requestTimeout: opts.requestTimeoutMs ?? 30_000,
    retry: retryOptions(opts.retry),
    logLevel: kafkaLogLevel(logger.level),
    logCreator: pinoLogCreator(logger),
  };
  if (opts.ssl) config.ssl = opts.ssl;
  if (opts.sasl) config.sasl = saslOptions(opts.sasl);
  return config;
}

/** A kafkajs client (no connection yet). */
export function createKafkaClient(opts: KafkaConnectionOptions): Kafka {
  return new kafkajs.Kafka(kafkaClientConfig(opts));
}
