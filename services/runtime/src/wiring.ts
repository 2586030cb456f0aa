import type { TopicName } from '@docpipe/contracts';
import { z } from 'zod';
// Type-only imports: this module is part of runtime's main entry, which must never load an SDK.
import type { KafkaConfig } from './adapters/kafka/config.js';
import type { TopicSpec } from './adapters/kafka/topics.js';
import type { OpenAiConfig } from './adapters/openai/config.js';
import type { PostgresConfig } from './adapters/postgres/config.js';
import type { S3Config } from './adapters/s3/config.js';
import { ConfigError, type BaseConfig } from './config.js';
import { createLogger, type Logger } from './logging.js';
import { onShutdown, type ShutdownOptions, type ShutdownStep } from './shutdown.js';

/** One line of --help per variable of a schema; the type makes a missing or stale entry a compile error. */
export type VariableHelp<T> = { readonly [K in keyof T]-?: string };

/** The help of BaseConfig's variables. */
export const BASE_HELP: VariableHelp<BaseConfig> = {
  LOG_LEVEL: 'fatal, error, warn, info, debug, trace or silent',
  LOG_FORMAT: 'json or pretty (unset: pretty on a terminal, else json)',
};

/** The help of the Kafka adapter's variables (KafkaConfig). */
export const KAFKA_HELP: VariableHelp<KafkaConfig> = {
  KAFKA_BROKERS: 'bootstrap servers, host:port[,host:port…] (MSK: the TLS or IAM bootstrap string)',
  KAFKA_CLIENT_ID: 'client id the brokers see in their logs and quotas',
  KAFKA_SSL: 'true: TLS to the brokers (MSK)',
  KAFKA_SASL_MECHANISM: 'none, scram-sha-256, scram-sha-512 or aws-iam (MSK IAM: needs KAFKA_SSL=true and AWS_REGION)',
  KAFKA_SASL_USERNAME: 'SCRAM user name (required with scram-*)',
  KAFKA_SASL_PASSWORD: 'SCRAM password (required with scram-*; never logged)',
  AWS_REGION: "the MSK cluster's region, for aws-iam",
  KAFKA_COMPRESSION: 'none or gzip, for produced messages (gzip caps publishing at ~8 MB/s)',
  KAFKA_SESSION_TIMEOUT_MS: 'a consumer silent this long leaves its group',
  KAFKA_HEARTBEAT_INTERVAL_MS: 'consumer heartbeat period (at most a third of the session timeout)',
  KAFKA_MAX_WAIT_TIME_MS: 'long-poll wait of one fetch',
  KAFKA_RETRIES: 'retries of a failing send or admin call before it fails',
};

/**
 * Whether a service creates the topics it uses at start. For dev clusters and
 * the stack tests; in a cluster the operator owns the topics and this stays false.
 */
export const KafkaTopicsConfig = z.object({
  KAFKA_ENSURE_TOPICS: z.stringbool({ truthy: ['true'], falsy: ['false'] }).default(false),
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(10_000).default(3),
  KAFKA_TOPIC_REPLICATION: z.coerce.number().int().min(1).max(32).default(1),
});
export type KafkaTopicsConfig = z.infer<typeof KafkaTopicsConfig>;

/** The help of KafkaTopicsConfig's variables. */
export const KAFKA_TOPICS_HELP: VariableHelp<KafkaTopicsConfig> = {
  KAFKA_ENSURE_TOPICS: 'true: create the topics this service uses at start (dev; in a cluster the operator owns topics)',
  KAFKA_TOPIC_PARTITIONS: 'partitions of topics created or grown by KAFKA_ENSURE_TOPICS',
  KAFKA_TOPIC_REPLICATION: 'replication factor of topics created by KAFKA_ENSURE_TOPICS',
};

/** Where a Kafka worker's ops server (/healthz, /readyz, /metrics) listens; its port is the worker's OPS_PORT. */
export const OpsHostConfig = z.object({
  OPS_HOST: z.string().min(1).default('0.0.0.0'),
});
export type OpsHostConfig = z.infer<typeof OpsHostConfig>;

/** The help of OpsHostConfig's variables. */
export const OPS_HOST_HELP: VariableHelp<OpsHostConfig> = {
  OPS_HOST: "listen address of the worker's ops server",
};

/** The help of the S3 adapter's variables (S3Config). */
export const S3_HELP: VariableHelp<S3Config> = {
  S3_BUCKET: 'the bucket every document is stored in',
  AWS_REGION: "the bucket's region (and the MSK cluster's, for aws-iam)",
  S3_ENDPOINT: 'an S3-compatible server (moto, MinIO); unset on AWS',
  S3_FORCE_PATH_STYLE: 'true: path-style URLs (moto, MinIO)',
  S3_PART_SIZE_MB: 'multipart part size of uploads, 5–5120 MiB',
};

/** The help of the PostgreSQL adapter's variables (PostgresConfig). */
export const POSTGRES_HELP: VariableHelp<PostgresConfig> = {
  DATABASE_URL: 'postgres://user:password@host:port/database (never logged)',
  DATABASE_POOL_MAX: 'connections in the pool',
  DATABASE_SSL: 'none, require (encrypted) or verify-full (encrypted, certificate and host checked)',
};

/** The help of the OpenAI adapter's variables (OpenAiConfig). */
export const OPENAI_HELP: VariableHelp<OpenAiConfig> = {
  OPENAI_API_KEY: 'API key (never logged)',
  OPENAI_BASE_URL: 'an OpenAI-compatible endpoint, …/v1 (unset: api.openai.com)',
  EMBEDDING_MODEL: 'embeddings model',
  EMBEDDING_DIMENSIONS: 'vector size',
  OPENAI_MAX_RETRIES: 'retries of one request (429 after retry-after, 5xx and connection errors with backoff)',
  OPENAI_TIMEOUT_MS: 'time limit of one attempt',
  OPENAI_CONCURRENCY: 'requests in flight at once',
};

/** The specs ensureTopics gets for `topics` under `config`. */
export function topicSpecs(config: KafkaTopicsConfig, topics: readonly TopicName[]): TopicSpec[] {
  return topics.map((topic) => ({ topic, numPartitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_TOPIC_REPLICATION }));
}

/** What can create topics: the Kafka event bus. */
export interface TopicAdmin {
  ensureTopics(specs: TopicSpec[]): Promise<unknown>;
}

/** Creates (or grows) `topics` when KAFKA_ENSURE_TOPICS is true; does nothing otherwise. */
export async function ensureTopicsIfAsked(admin: TopicAdmin, config: KafkaTopicsConfig, topics: readonly TopicName[]): Promise<void> {
  if (!config.KAFKA_ENSURE_TOPICS) return;
  await admin.ensureTopics(topicSpecs(config, topics));
}

/** How a variable's default reads in --help: its value, `required`, or `unset`. */
export function describeDefault(field: z.ZodType): string {
  if (field instanceof z.ZodDefault) {
    const value: unknown = field.def.defaultValue;
    return typeof value === 'string' ? value : JSON.stringify(value);
  }
  return field instanceof z.ZodOptional ? '(unset)' : 'required';
}

export interface UsageText {
  /** e.g. `docpipe-ingest` */
  name: string;
  /** What the service does, a sentence or two. */
  summary: string;
  /** How it is started, e.g. `npx node services/ingest/dist/main.js`. */
  command: string;
}

/** The --help text: what the service is, how to run it, and every variable of `schema` with its default. */
export function usage<S extends z.ZodObject>(text: UsageText, schema: S, help: VariableHelp<z.output<S>>): string {
  const shape = schema.shape as Record<string, z.ZodType>;
  const notes = help as Record<string, string>;
  const rows = Object.entries(shape).map(([name, field]) => [name, describeDefault(field), notes[name] ?? ''] as const);
  const nameWidth = Math.max(...rows.map(([name]) => name.length));
  const defaultWidth = Math.min(24, Math.max(...rows.map(([, fallback]) => fallback.length)));
  const lines = rows.map(([name, fallback, note]) => `  ${name.padEnd(nameWidth)}  ${fallback.padEnd(defaultWidth)}  ${note}`.trimEnd());
  return [
    `${text.name} — ${text.summary}`,
    '',
    `Usage: ${text.command}`,
    'Configured only by environment variables (an empty one counts as unset):',
    '',
    `  ${'VARIABLE'.padEnd(nameWidth)}  ${'DEFAULT'.padEnd(defaultWidth)}  MEANING`,
    ...lines,
    '',
  ].join('\n');
}

/** What a service has started so far, to be stopped newest first. */
export class StartedParts {
  private readonly parts: ShutdownStep[] = [];

  /** Records something started; it is stopped before everything added earlier. */
  add(name: string, stop: () => Promise<void>): void {
    this.parts.push({ name, stop });
  }

  /** The shutdown sequence: newest first. */
  steps(): ShutdownStep[] {
    return [...this.parts].reverse();
  }

  /** Stops everything now, newest first, logging what fails and going on; resolves to the first failure, if any. */
  async unwind(logger: Logger): Promise<unknown> {
    let first: unknown;
    for (const step of this.steps()) {
      try {
        await step.stop();
      } catch (err) {
        logger.error({ step: step.name, err }, 'stop failed');
        first ??= err;
      }
    }
    this.parts.length = 0;
    return first;
  }
}

/** What a service's main hands to runMain. */
export interface MainSpec<S extends z.ZodObject, C extends BaseConfig> extends UsageText {
  schema: S;
  help: VariableHelp<z.output<S>>;
  /** Parses the environment (schema plus cross-field rules); throws ConfigError. */
  load: (env: NodeJS.ProcessEnv) => C;
  /** Builds the adapters and starts the service, recording each part in `parts`. */
  start: (config: C, logger: Logger, parts: StartedParts) => Promise<void>;
}

/** Injected by tests. */
export interface MainIo {
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  exit?: (code: number) => void;
  /** What stops the service; SIGTERM and SIGINT by default. */
  signals?: NodeJS.Signals[];
}

/**
 * A service's whole main: prints --help, reads the configuration (a bad one
 * exits 2 naming each variable), starts, and stops on SIGTERM/SIGINT with
 * onShutdown. A failed start stops what was started and exits 1.
 */
export async function runMain<S extends z.ZodObject, C extends BaseConfig>(spec: MainSpec<S, C>, io: MainIo = {}): Promise<void> {
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const exit = io.exit ?? ((code: number) => process.exit(code));
  try {
    if ((io.argv ?? process.argv.slice(2)).some((a) => a === '--help' || a === '-h')) {
      stdout(usage(spec, spec.schema, spec.help));
      return;
    }
    const config = spec.load(io.env ?? process.env);
    await startOrUnwind(spec, config, { exit, signals: io.signals });
  } catch (err) {
    stderr(explain(spec.name, err));
    exit(err instanceof ConfigError ? 2 : 1);
  }
}

/** Starts the service and hands its parts to onShutdown; a failed start stops what did start, then throws. */
async function startOrUnwind<C extends BaseConfig>(spec: Pick<MainSpec<z.ZodObject, C>, 'name' | 'start'>, config: C, shutdown: ShutdownOptions): Promise<void> {
  const logger = createLogger({ name: spec.name, level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const parts = new StartedParts();
  try {
    await spec.start(config, logger, parts);
  } catch (err) {
    // A ConfigError is the operator's to fix and goes to stderr as such; anything else is logged with its stack.
    if (!(err instanceof ConfigError)) logger.fatal({ err }, `${spec.name} failed to start`);
    await parts.unwind(logger);
    throw err;
  }
  logger.info(`${spec.name} started`);
  onShutdown(logger, parts.steps(), shutdown);
}

/** What went wrong at start, for stderr: each bad variable on its own line, else the error and its causes. */
export function explain(name: string, err: unknown): string {
  if (err instanceof ConfigError) {
    return `${name}: invalid configuration (see --help):\n${err.problems.map((p) => `  ${p}\n`).join('')}`;
  }
  const lines = [`${name} failed to start: ${messageOf(err)}`];
  for (let cause = causeOf(err), depth = 0; cause !== undefined && depth < 5; cause = causeOf(cause), depth++) {
    lines.push(`  cause: ${messageOf(cause)}`);
  }
  return `${lines.join('\n')}\n`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function causeOf(err: unknown): unknown {
  return err instanceof Error ? err.cause : undefined;
}
