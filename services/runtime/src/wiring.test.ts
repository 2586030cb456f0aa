import { Topics } from '@docpipe/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConfig, ConfigError, parseConfig } from './config.js';
import type { TopicSpec } from './adapters/kafka/topics.js';
import {
  describeDefault,
  ensureTopicsIfAsked,
  explain,
  KafkaTopicsConfig,
  runMain,
  StartedParts,
  topicSpecs,
  usage,
  type MainSpec,
  type VariableHelp,
} from './wiring.js';

// A signal no test runner uses, emitted in-process: no real signal is sent.
const SIGNAL: NodeJS.Signals = 'SIGUSR2';

afterEach(() => {
  expect(process.listenerCount(SIGNAL)).toBe(0);
});

const Schema = BaseConfig.extend({
  PORT: z.coerce.number().int().default(8080),
  BUCKET: z.string().min(3),
  ENDPOINT: z.url().optional(),
  ENABLED: z.stringbool().default(false),
});
const HELP: VariableHelp<z.output<typeof Schema>> = {
  LOG_LEVEL: 'how much to log',
  LOG_FORMAT: 'json or pretty',
  PORT: 'listen port',
  BUCKET: 'where objects go',
  ENDPOINT: 'an S3-compatible server',
  ENABLED: 'whether it is on',
};

describe('usage', () => {
  it('lists every variable of the schema in its order, with its default and its line of help', () => {
    const text = usage({ name: 'svc', summary: 'does things.', command: 'node svc.js' }, Schema, HELP);
    const rows = text.split('\n').filter((l) => /^ {2}[A-Z]/.test(l) && !l.trimStart().startsWith('VARIABLE'));
    expect(rows.map((r) => r.trim().split(/\s{2,}/))).toEqual([
      ['LOG_LEVEL', 'info', 'how much to log'],
      ['LOG_FORMAT', '(unset)', 'json or pretty'],
      ['PORT', '8080', 'listen port'],
      ['BUCKET', 'required', 'where objects go'],
      ['ENDPOINT', '(unset)', 'an S3-compatible server'],
      ['ENABLED', 'false', 'whether it is on'],
    ]);
    expect(text.startsWith('svc — does things.\n\nUsage: node svc.js\n')).toBe(true);
  });

  it('describes defaults as they would be typed', () => {
    expect(describeDefault(z.string().default('docpipe'))).toBe('docpipe');
    expect(describeDefault(z.coerce.number().default(3))).toBe('3');
    expect(describeDefault(z.string().optional())).toBe('(unset)');
    expect(describeDefault(z.string())).toBe('required');
  });
});

describe('topics', () => {
  it('defaults to not creating topics, 3 partitions and replication 1', () => {
    expect(parseConfig(KafkaTopicsConfig, {})).toEqual({ KAFKA_ENSURE_TOPICS: false, KAFKA_TOPIC_PARTITIONS: 3, KAFKA_TOPIC_REPLICATION: 1 });
    expect(() => parseConfig(KafkaTopicsConfig, { KAFKA_ENSURE_TOPICS: 'yes' })).toThrow(/KAFKA_ENSURE_TOPICS/);
  });

  it('creates the named topics only when asked', async () => {
    const asked: TopicSpec[][] = [];
    const admin = { ensureTopics: async (specs: TopicSpec[]) => void asked.push(specs) };
    const topics = [Topics.documentsRaw, Topics.documentsDlq];
    await ensureTopicsIfAsked(admin, parseConfig(KafkaTopicsConfig, {}), topics);
    expect(asked).toEqual([]);
    const config = parseConfig(KafkaTopicsConfig, { KAFKA_ENSURE_TOPICS: 'true', KAFKA_TOPIC_PARTITIONS: '6', KAFKA_TOPIC_REPLICATION: '3' });
    await ensureTopicsIfAsked(admin, config, topics);
    expect(asked).toEqual([topicSpecs(config, topics)]);
    expect(asked[0]).toEqual([
      { topic: 'documents.raw', numPartitions: 6, replicationFactor: 3 },
      { topic: 'documents.dlq', numPartitions: 6, replicationFactor: 3 },
    ]);
  });
});

describe('StartedParts', () => {
  it('stops newest first, goes on past a failing part, and answers with the first failure', async () => {
    const stopped: string[] = [];
    const parts = new StartedParts();
    parts.add('bus', async () => void stopped.push('bus'));
    parts.add('database', async () => {
      stopped.push('database');
      throw new Error('already closed');
    });
    parts.add('http', async () => void stopped.push('http'));
    expect(parts.steps().map((s) => s.name)).toEqual(['http', 'database', 'bus']);
    const { createLogger } = await import('./logging.js');
    const failed = await parts.unwind(createLogger({ name: 'test', level: 'silent', format: 'json' }));
    expect(stopped).toEqual(['http', 'database', 'bus']);
    expect(failed).toEqual(new Error('already closed'));
    expect(parts.steps()).toEqual([]);
    expect(await parts.unwind(createLogger({ name: 'test', level: 'silent', format: 'json' }))).toBeUndefined();
  });
});

type Config = z.output<typeof Schema>;

/** runMain with everything captured; `start` records what it built. */
function harness(start: MainSpec<typeof Schema, Config>['start'], argv: string[] = [], env: NodeJS.ProcessEnv = { BUCKET: 'docs', LOG_LEVEL: 'silent' }) {
  const out: string[] = [];
  const err: string[] = [];
  const codes: number[] = [];
  let loads = 0;
  const spec: MainSpec<typeof Schema, Config> = {
    name: 'svc',
    summary: 'does things.',
    command: 'node svc.js',
    schema: Schema,
    help: HELP,
    load: (e) => {
      loads += 1;
      return parseConfig(Schema, e);
    },
    start,
  };
  const io = { argv, env, stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), exit: (c: number) => void codes.push(c), signals: [SIGNAL] };
  return { run: () => runMain(spec, io), out, err, codes, loads: () => loads };
}

describe('runMain', () => {
  it('prints --help without reading the configuration or starting anything', async () => {
    let started = false;
    const h = harness(async () => void (started = true), ['--help'], {});
    await h.run();
    expect(h.out.join('')).toContain('  BUCKET ');
    expect({ started, loads: h.loads(), codes: h.codes, err: h.err }).toEqual({ started: false, loads: 0, codes: [], err: [] });
  });

  it('exits 2 naming each bad variable, before starting anything', async () => {
    let started = false;
    const h = harness(async () => void (started = true), [], { PORT: 'eighty', LOG_LEVEL: 'silent' });
    await h.run();
    expect(h.codes).toEqual([2]);
    expect(started).toBe(false);
    expect(h.err.join('')).toMatch(/^svc: invalid configuration \(see --help\):\n {2}PORT: .*\n {2}BUCKET: .*\n$/);
  });

  it('stops what did start and exits 1 when starting fails', async () => {
    const stopped: string[] = [];
    const h = harness(async (_config, _logger, parts) => {
      parts.add('bus', async () => void stopped.push('bus'));
      parts.add('database', async () => void stopped.push('database'));
      throw new Error('cannot listen', { cause: new Error('EADDRINUSE') });
    });
    await h.run();
    expect(stopped).toEqual(['database', 'bus']);
    expect(h.codes).toEqual([1]);
    expect(h.err.join('')).toBe('svc failed to start: cannot listen\n  cause: EADDRINUSE\n');
  });

  it('explains a configuration problem found while starting as one, with exit code 2', async () => {
    const h = harness(async () => {
      throw new ConfigError(['KAFKA_SASL_USERNAME: required when KAFKA_SASL_MECHANISM=scram-sha-256']);
    });
    await h.run();
    expect(h.codes).toEqual([2]);
    expect(h.err.join('')).toBe(explain('svc', new ConfigError(['KAFKA_SASL_USERNAME: required when KAFKA_SASL_MECHANISM=scram-sha-256'])));
  });

  it('starts with the parsed configuration and stops every part newest first on the signal, then exits 0', async () => {
    const events: string[] = [];
    let seen: Config | undefined;
    const h = harness(async (config, _logger, parts) => {
      seen = config;
      parts.add('bus', async () => void events.push('stop bus'));
      parts.add('server', async () => void events.push('stop server'));
    });
    await h.run();
    expect(seen).toMatchObject({ BUCKET: 'docs', PORT: 8080, ENABLED: false });
    expect(h.codes).toEqual([]);
    process.emit(SIGNAL, SIGNAL);
    await until(() => h.codes.length > 0);
    expect(events).toEqual(['stop server', 'stop bus']);
    expect(h.codes).toEqual([0]);
  });
});

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
}
